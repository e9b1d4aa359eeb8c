import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loyaltyDiscountPercent } from '@opsloop/contracts';
import { parseInput, ProblemError } from '@opsloop/kit';
import type { SigningKeys } from './signing-keys.js';
import type { AccessToken, TokenIssuer } from './tokens.js';
import {
  IDEMPOTENCY_KEY_PATTERN,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type UserAccount,
  type Users,
} from './users.js';

/** The header the gateway sets to the verified token's `sub` (and strips from clients). */
export const USER_ID_HEADER = 'x-user-id';

/** The one answer to a failed login, whichever of email or password was wrong. */
export const LOGIN_FAILED_DETAIL = 'email or password is incorrect';

/** How long clients may cache the JWKS (verifiers must refetch it on an unknown kid anyway). */
export const JWKS_MAX_AGE_SECONDS = 300;

const email = z
  .email('must be an email address')
  .max(MAX_EMAIL_LENGTH, `must have at most ${MAX_EMAIL_LENGTH} characters`);

/** The body of `POST /api/users`. */
export const signUpBodySchema = z.object({
  email,
  password: z
    .string('must be a string')
    .min(MIN_PASSWORD_LENGTH, `must have at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(MAX_PASSWORD_LENGTH, `must have at most ${MAX_PASSWORD_LENGTH} characters`),
  name: z
    .string('must be a string')
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_NAME_LENGTH, `must have at most ${MAX_NAME_LENGTH} characters`)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters'),
});

/** The body of `POST /api/users/login`. */
export const loginBodySchema = z.object({
  email: z.string('must be a string').min(1, 'must not be empty').max(MAX_EMAIL_LENGTH),
  password: z.string('must be a string').min(1, 'must not be empty').max(MAX_PASSWORD_LENGTH),
});

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string('must be a string')
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1-255 printable ASCII characters')
    .optional(),
});

/** An account as `POST /api/users` answers it. */
export interface UserView {
  userId: string;
  email: string;
  name: string;
}

/** The caller's profile, `GET /api/users/me`. */
export interface ProfileView extends UserView {
  loyaltyPoints: number;
  /** 0, 10 or 20. */
  discountPercent: number;
  createdAt: string;
}

const view = (user: UserAccount): UserView => ({ userId: user.userId, email: user.email, name: user.name });

/**
 * The user id the gateway verified, from `x-user-id`. Behind the gateway it is always set for an
 * authenticated request; missing (or not one value) means the request was not authenticated.
 */
export function requireUserId(request: FastifyRequest): string {
  const raw = request.headers[USER_ID_HEADER];
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 128)
    throw new ProblemError('unauthorized', { detail: 'sign in: this operation needs an access token' });
  return raw.trim();
}

/** Dependencies of {@link registerUsersRoutes}. */
export interface UsersRoutesOptions {
  users: Users;
  tokens: TokenIssuer;
  keys: SigningKeys;
}

/** Registers the users service's HTTP API and its JWKS. */
export function registerUsersRoutes(app: FastifyInstance, options: UsersRoutesOptions): void {
  const { users, tokens, keys } = options;

  app.post('/api/users', async (request, reply) => {
    const headers = parseInput(idempotencyHeader, request.headers, 'header');
    const body = parseInput(signUpBodySchema, request.body, 'body');
    const result = await users.register({ ...body, idempotencyKey: headers['idempotency-key'] });
    switch (result.outcome) {
      case 'created':
        return reply.code(201).send(view(result.user));
      case 'replayed':
        return reply.code(201).header('idempotent-replayed', 'true').send(view(result.user));
      case 'conflict':
        throw new ProblemError('conflict', {
          detail:
            result.reason === 'email-taken'
              ? 'an account with this email already exists'
              : 'this Idempotency-Key was already used for another sign-up',
          extensions: { reason: result.reason },
        });
    }
  });

  app.post('/api/users/login', async (request, reply): Promise<AccessToken> => {
    const body = parseInput(loginBodySchema, request.body, 'body');
    const user = await users.authenticate(body.email, body.password);
    if (user === undefined)
      throw new ProblemError('unauthorized', {
        detail: LOGIN_FAILED_DETAIL,
        headers: { 'www-authenticate': 'Bearer realm="opsloop-shop"' },
      });
    void reply.header('cache-control', 'no-store');
    return tokens.issue(user.userId);
  });

  app.get('/api/users/me', async (request): Promise<ProfileView> => {
    const userId = requireUserId(request);
    const user = await users.get(userId);
    if (user === undefined)
      throw new ProblemError('resourceNotFound', { detail: 'this account no longer exists' });
    return {
      ...view(user),
      loyaltyPoints: user.loyaltyPoints,
      discountPercent: loyaltyDiscountPercent(user.loyaltyPoints),
      createdAt: user.createdAt.toISOString(),
    };
  });

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    void reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    return keys.jwks();
  });
}
