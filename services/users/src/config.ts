import { z } from 'zod';
import { busConfigSchema } from '@opsloop/bus';
import { storeConfigSchema } from '@opsloop/store';
import { SCRYPT_BOUNDS } from './password.js';

const DAY_SECONDS = 86_400;

const seconds = (min: number, max: number) =>
  z.coerce
    .number({ error: 'expected seconds' })
    .int('expected whole seconds')
    .min(min, `expected at least ${min} s`)
    .max(max, `expected at most ${max} s`);

/** The users service's configuration: the store's and the bus's variables plus its own. */
export const usersConfigSchema = storeConfigSchema.extend(busConfigSchema.shape).extend({
  /** Lifetime of an access token (`exp` − `iat`). */
  ACCESS_TOKEN_TTL_SECONDS: seconds(60, DAY_SECONDS).default(900),
  /** Age of the active signing key after which a successor is created; 0 never rotates by itself. */
  SIGNING_KEY_ROTATE_AFTER_SECONDS: seconds(0, 365 * DAY_SECONDS).default(30 * DAY_SECONDS),
  /** How long a successor key is published before it signs (more than verifiers cache the JWKS). */
  JWKS_PUBLISH_LEAD_SECONDS: seconds(0, 7 * DAY_SECONDS).default(3600),
  /** log2 of scrypt's N for new password hashes (r = 8, p = 1). */
  PASSWORD_SCRYPT_LOG_N: z.coerce
    .number({ error: 'expected an integer' })
    .int('expected an integer')
    .min(14, 'expected at least 14 (N = 16384)')
    .max(SCRYPT_BOUNDS.logN[1], `expected at most ${SCRYPT_BOUNDS.logN[1]}`)
    .default(15),
});

/** The users service's settings. */
export type UsersConfig = z.infer<typeof usersConfigSchema>;
