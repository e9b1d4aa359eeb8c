import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '@opsloop/kit';
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js';

/** `iss` of every access token. */
export const TOKEN_ISSUER = 'opsloop-shop';
/** `aud` of every access token (the gateway checks it). */
export const TOKEN_AUDIENCE = 'opsloop-shop';

/** An issued access token, as `POST /api/users/login` answers it. */
export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Issues access tokens. */
export interface TokenIssuer {
  /** A signed JWT for `userId` (the `sub`), valid for the configured lifetime from now. */
  issue(userId: string): Promise<AccessToken>;
}

/** Options of {@link createTokenIssuer}. */
export interface TokenIssuerOptions {
  keys: SigningKeys;
  clock: Pick<Clock, 'now'>;
  /** Lifetime of a token in seconds (`ACCESS_TOKEN_TTL_SECONDS`). */
  ttlSeconds: number;
}

/**
 * Issues EdDSA (Ed25519) JWTs with `iss` and `aud` {@link TOKEN_ISSUER}, `sub`, `iat`, `exp`, a random `jti`
 * and the signing key's `kid` in the header.
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, clock, ttlSeconds } = options;
  return {
    async issue(userId) {
      const signer = await keys.active();
      const issuedAt = Math.floor(clock.now() / 1000);
      const accessToken = await new SignJWT({})
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: signer.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .setJti(randomUUID())
        .sign(signer.key);
      return { accessToken, tokenType: 'Bearer', expiresIn: ttlSeconds };
    },
  };
}
