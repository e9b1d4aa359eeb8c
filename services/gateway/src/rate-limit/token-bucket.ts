import type { Clock } from '@opsloop/kit';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained rate: tokens added per second to each client's bucket. */
  ratePerSecond: number;
  /** Bucket size: how many requests a client may send at once after being idle. */
  burst: number;
  /** Most buckets kept; beyond it the least recently used client's bucket is dropped. */
  maxClients: number;
  clock: Pick<Clock, 'now'>;
}

/** The outcome of one request against its client's bucket. */
export interface RateDecision {
  allowed: boolean;
  /** The bucket size (`RateLimit-Limit`). */
  limit: number;
  /** Whole tokens left after this request (`RateLimit-Remaining`). */
  remaining: number;
  /** Seconds until the bucket is full again (`RateLimit-Reset`). */
  resetSeconds: number;
  /** Seconds until one request would be allowed (`Retry-After`); 0 when allowed. */
  retryAfterSeconds: number;
}

/** The per-client limits of a {@link RateLimiter}. */
export interface RateLimits {
  /** Tokens added per second to each client's bucket (> 0). */
  ratePerSecond: number;
  /** Bucket size (≥ 1). */
  burst: number;
}

/** Token buckets keyed by client. */
export interface RateLimiter {
  /** Takes one token from `client`'s bucket, creating a full one for a new client. */
  take(client: string): RateDecision;
  /** Buckets currently held. */
  size(): number;
  /** The limits in force. */
  limits(): RateLimits;
  /**
   * Changes the limits of every client at once (load shedding at run time). Buckets keep their tokens, cut
   * to the new burst at their next request, and refill at the new rate from then on.
   * @throws InvalidRateLimits for a rate ≤ 0 or a burst < 1 (the limits in force stay).
   */
  setLimits(limits: RateLimits): void;
}

/** Raised for limits a token bucket cannot have. */
export class InvalidRateLimits extends RangeError {
  override readonly name = 'InvalidRateLimits';
}

function checkLimits(rate: number, burst: number): void {
  if (!(rate > 0) || !Number.isFinite(rate) || !(burst >= 1) || !Number.isFinite(burst))
    throw new InvalidRateLimits(`invalid rate limits: ${rate}/s, burst ${burst}`);
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Oldest buckets examined for idleness on each request: keeps the sweep O(1) per request. */
const SWEEP_PER_TAKE = 2;

/**
 * Token buckets per client in a Map kept in least-recently-used order (a hit is re-inserted at the end).
 * Memory is bounded twice: a bucket left idle long enough to be full again is indistinguishable from a new
 * one, so the oldest idle buckets are dropped as requests come (no timer); and past `maxClients` the least
 * recently used bucket is dropped even if not full (that client gets a fresh bucket: a documented leak of
 * at most `burst` requests under an attack with more distinct clients than `maxClients`).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { maxClients, clock } = options;
  let rate = options.ratePerSecond;
  let burst = options.burst;
  if (!(maxClients >= 1)) throw new InvalidRateLimits('invalid rate limiter options: maxClients < 1');
  checkLimits(rate, burst);
  let perMs = rate / 1000;
  let refillMs = burst / perMs;
  const buckets = new Map<string, Bucket>();

  const sweep = (now: number): void => {
    let examined = 0;
    for (const [client, bucket] of buckets) {
      if (examined++ >= SWEEP_PER_TAKE || now - bucket.updatedAt < refillMs) return;
      buckets.delete(client);
    }
  };

  return {
    take(client) {
      const now = clock.now();
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        sweep(now);
        bucket = { tokens: burst, updatedAt: now };
        if (buckets.size >= maxClients) {
          const oldest = buckets.keys().next();
          if (oldest.done !== true) buckets.delete(oldest.value);
        }
      } else {
        buckets.delete(client);
        // A clock that stepped backwards refills nothing rather than draining the bucket.
        const elapsed = Math.max(0, now - bucket.updatedAt);
        bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perMs);
        bucket.updatedAt = now;
      }
      buckets.set(client, bucket);
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      return {
        allowed,
        limit: burst,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.ceil((burst - bucket.tokens) / rate),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
      };
    },
    size: () => buckets.size,
    limits: () => ({ ratePerSecond: rate, burst }),
    setLimits(limits) {
      checkLimits(limits.ratePerSecond, limits.burst);
      rate = limits.ratePerSecond;
      burst = limits.burst;
      perMs = rate / 1000;
      refillMs = burst / perMs;
    },
  };
}
