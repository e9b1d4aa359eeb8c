export {
  usersService,
  type UsersServiceOptions,
  CLOCK_SKEW_ALLOWANCE_MS,
  KEY_MAINTENANCE_INTERVAL_MS,
} from './app.js';
export { usersConfigSchema, type UsersConfig } from './config.js';
export {
  createUsers,
  normaliseEmail,
  InvalidUserInput,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  USERS_STREAM,
  type RegisterInput,
  type RegisterResult,
  type UserAccount,
  type Users,
  type UsersOptions,
} from './users.js';
export {
  createLoyaltyHandler,
  getLoyalty,
  LOYALTY_CONSUMER,
  ORDERS_STREAM,
  type Loyalty,
  type LoyaltyHandlerOptions,
} from './loyalty.js';
export {
  createPasswordHasher,
  DEFAULT_SCRYPT_PARAMS,
  SCRYPT_BOUNDS,
  type PasswordHasher,
  type ScryptParams,
} from './password.js';
export {
  activeKey,
  needsFirstKey,
  prunableKeys,
  publishedKeys,
  rotationDue,
  type KeyTimes,
} from './key-ring.js';
export {
  createSigningKeys,
  DEFAULT_KEY_CACHE_MS,
  NoSigningKeyError,
  SIGNING_ALGORITHM,
  type ActiveSigningKey,
  type JsonWebKeySet,
  type MaintainResult,
  type PublicJwk,
  type SigningKeys,
  type SigningKeysOptions,
} from './signing-keys.js';
export {
  createTokenIssuer,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AccessToken,
  type TokenIssuer,
  type TokenIssuerOptions,
} from './tokens.js';
export {
  registerUsersRoutes,
  requireUserId,
  loginBodySchema,
  signUpBodySchema,
  JWKS_MAX_AGE_SECONDS,
  LOGIN_FAILED_DETAIL,
  USER_ID_HEADER,
  type ProfileView,
  type UserView,
  type UsersRoutesOptions,
} from './routes.js';
export { usersMigrations } from './migrations.js';
export type { StoredJwk, UsersTables } from './tables.js';
export { isUuid, uuidv7 } from './ids.js';
export { createUsersRpc } from './rpc.js';
