import { errors, jwtVerify } from 'jose';
import type { Clock } from '@opsloop/kit';
import { KeysUnavailableError, type JwksSource } from './jwks-source.js';

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  keys: JwksSource;
  /** Expected `iss` and `aud` (`opsloop-shop`). */
  issuer: string;
  audience: string;
  clock: Pick<Clock, 'now'>;
  /** Accepted clock skew for `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** Verified tokens remembered, so a client's next requests skip the signature check. */
  cacheSize: number;
  /** Longest a verification is remembered, however late the token expires (bounds key-revocation lag). */
  cacheTtlMs: number;
}

/** Why a token was not accepted. */
export type TokenFailure = 'malformed' | 'invalid' | 'expired' | 'keys-unavailable';

/** The outcome of verifying a bearer token. */
export type TokenResult = { ok: true; userId: string } | { ok: false; failure: TokenFailure; detail: string };

/** Verifies the users service's access tokens. */
export interface TokenVerifier {
  /** The remembered outcome for `token` if it was verified recently and has not expired; never waits. */
  cached(token: string): TokenResult | undefined;
  /** Verifies `token` (signature, `alg`, `iss`, `aud`, `exp`, `nbf`, `sub`); `mayFetch`: see JwksSource. */
  verify(token: string, mayFetch: boolean): Promise<TokenResult>;
}

// The users service signs with Ed25519: "EdDSA" (RFC 8037) or its newer fully-specified name "Ed25519".
const ALGORITHMS = ['EdDSA', 'Ed25519'];
// Header-safe user ids only: `sub` becomes the x-user-id header upstream.
const SAFE_SUBJECT = /^[\x21-\x7e]{1,255}$/;
// base64url header.payload.signature, of a sane size.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;

interface Remembered {
  userId: string;
  /** Epoch ms after which the verification must be redone (the earlier of `exp` and the cache TTL). */
  until: number;
}

/**
 * Verifies EdDSA JWTs against the users service's key set and remembers successes (bounded, FIFO): a
 * signature check costs tens of microseconds of CPU, a Map lookup next to nothing. Failures are not
 * remembered, and a token is never logged or echoed (only the failure kind is).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const remembered = new Map<string, Remembered>();

  const remember = (token: string, userId: string, exp: number | undefined): void => {
    const now = options.clock.now();
    const until = Math.min(now + options.cacheTtlMs, exp === undefined ? Infinity : exp * 1000);
    if (remembered.size >= options.cacheSize) {
      const oldest = remembered.keys().next();
      if (oldest.done !== true) remembered.delete(oldest.value);
    }
    remembered.set(token, { userId, until });
  };

  return {
    cached(token) {
      const hit = remembered.get(token);
      if (hit === undefined) return undefined;
      if (options.clock.now() >= hit.until) {
        remembered.delete(token);
        return undefined;
      }
      return { ok: true, userId: hit.userId };
    },
    async verify(token, mayFetch) {
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        return { ok: false, failure: 'malformed', detail: 'the bearer token is not a JWT' };
      }
      try {
        const { payload } = await jwtVerify(token, options.keys.getKey(mayFetch), {
          algorithms: ALGORITHMS,
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: options.clockToleranceSeconds,
          currentDate: new Date(options.clock.now()),
        });
        const sub = payload.sub;
        if (sub === undefined || !SAFE_SUBJECT.test(sub)) {
          return { ok: false, failure: 'invalid', detail: 'the token has no usable subject' };
        }
        remember(token, sub, payload.exp);
        return { ok: true, userId: sub };
      } catch (error) {
        if (error instanceof KeysUnavailableError) {
          return { ok: false, failure: 'keys-unavailable', detail: 'token keys are not available' };
        }
        if (error instanceof errors.JWTExpired) {
          return { ok: false, failure: 'expired', detail: 'the token has expired' };
        }
        if (error instanceof errors.JWTClaimValidationFailed) {
          return {
            ok: false,
            failure: 'invalid',
            detail: `the token's ${error.claim} claim is not accepted`,
          };
        }
        if (error instanceof errors.JWKSNoMatchingKey) {
          return { ok: false, failure: 'invalid', detail: 'the token is signed with an unknown key' };
        }
        // Bad signature, wrong alg, undecodable parts, a key of the wrong type: all simply not valid.
        return { ok: false, failure: 'invalid', detail: 'the token is not valid' };
      }
    },
  };
}
