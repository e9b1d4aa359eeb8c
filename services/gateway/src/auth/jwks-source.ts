import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';
import type { Clock } from '@opsloop/kit';

/** Options of {@link createJwksSource}. */
export interface JwksSourceOptions {
  /** Fetches the key set (the users service's `/.well-known/jwks.json`); rejects on any failure. */
  fetchJwks(signal: AbortSignal): Promise<unknown>;
  clock: Pick<Clock, 'now'>;
  /** Least time between two fetches, so tokens with made-up `kid`s cannot hammer the users service. */
  refetchCooldownMs: number;
  /** Deadline of one fetch. */
  fetchTimeoutMs: number;
}

/** Raised when no key set could be obtained: the token may be fine, the gateway cannot tell. */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}

/** Where the gateway gets token-verification keys. */
export interface JwksSource {
  /**
   * The key for a token's protected header (a jose `getKey` function). With `mayFetch` false it never waits
   * on the network: with no usable key it starts a background refresh and fails at once.
   */
  getKey(
    mayFetch: boolean,
  ): (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | Uint8Array>;
  /** Fetches the key set now if the cooldown allows (start-up warm-up); never rejects. */
  refresh(): Promise<void>;
  /** True once a key set was fetched. */
  loaded(): boolean;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/** How soon a failed first fetch of the key set may be retried. */
const INITIAL_RETRY_MS = 250;

/**
 * A cached JSON Web Key Set, refetched when a token names a `kid` it does not hold (key rotation), at most
 * once per `refetchCooldownMs`. Concurrent misses share one fetch. A failed fetch keeps the last good set.
 */
export function createJwksSource(options: JwksSourceOptions): JwksSource {
  let keySet: LocalJWKSet | undefined;
  let lastAttempt = -Infinity;
  let inFlight: Promise<boolean> | undefined;

  /** Fetches if allowed; resolves to true when a (new) set was installed by this or a concurrent call. */
  const fetchNow = (): Promise<boolean> => {
    if (inFlight !== undefined) return inFlight;
    // Until a first set is loaded (the users service or its discovery entry may still be coming up), retry
    // soon: every protected request answers 503 meanwhile. Afterwards the cooldown protects the users service.
    const cooldown =
      keySet === undefined
        ? Math.min(INITIAL_RETRY_MS, options.refetchCooldownMs)
        : options.refetchCooldownMs;
    if (options.clock.now() - lastAttempt < cooldown) return Promise.resolve(false);
    lastAttempt = options.clock.now();
    inFlight = (async () => {
      try {
        const body = await options.fetchJwks(AbortSignal.timeout(options.fetchTimeoutMs));
        if (!isKeySet(body)) return false;
        keySet = createLocalJWKSet(body);
        return true;
      } catch {
        return false;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    getKey(mayFetch) {
      return async (header, token) => {
        if (keySet === undefined) {
          if (!mayFetch) {
            void fetchNow();
            throw new KeysUnavailableError('verification keys not loaded yet');
          }
          await fetchNow();
          const current = keySet as LocalJWKSet | undefined;
          if (current === undefined) throw new KeysUnavailableError('verification keys unavailable');
          return current(header, token);
        }
        try {
          return await keySet(header, token);
        } catch (error) {
          if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
          // An unknown kid: the users service may have rotated its key since the last fetch.
          if (!mayFetch) {
            void fetchNow();
            throw error;
          }
          if (!(await fetchNow())) throw error;
          return keySet(header, token);
        }
      };
    },
    async refresh() {
      await fetchNow();
    },
    loaded: () => keySet !== undefined,
  };
}
