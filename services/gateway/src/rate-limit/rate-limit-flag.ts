import { ProviderEvents, type Client, type EventHandler } from '@openfeature/server-sdk';
import type { Logger } from '@opsloop/kit';
import type { RateLimiter, RateLimits } from './token-bucket.js';

/**
 * The numeric flag that tightens (or loosens) every client's rate limit at run time: 0 or absent keeps the
 * configured `RATE_LIMIT_RPS`; a value > 0 is the per-client rate, with the burst scaled in proportion.
 */
export const RATE_LIMIT_FLAG = 'gateway-rate-limit-rps';

/** Highest rate the flag may set, per client per second (the config's own ceiling). */
export const MAX_FLAG_RATE = 1e9;

/**
 * The limits a flag value asks for: the configured ones for 0, a negative, a non-number or an absurd value
 * (a bad flag must never take the shop offline by accident); otherwise that rate with the configured
 * burst-to-rate ratio kept (so a burst still covers the same time window), never below one request.
 */
export function limitsForFlag(value: unknown, configured: RateLimits): RateLimits {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_FLAG_RATE)
    return { ...configured };
  const burst = Math.max(1, Math.round((configured.burst * value) / configured.ratePerSecond));
  return { ratePerSecond: value, burst };
}

/** The `RateLimit-Policy` header of some limits: the quota and its window in seconds. */
export function ratePolicyOf(limits: RateLimits): string {
  return `${limits.burst};w=${Math.max(1, Math.ceil(limits.burst / limits.ratePerSecond))}`;
}

/** Options of {@link watchRateLimitFlag}. */
export interface RateLimitFlagOptions {
  /** The gateway's OpenFeature client (bound to its provider's domain). */
  flags: Pick<Client, 'getNumberValue' | 'addHandler' | 'removeHandler'>;
  limiter: RateLimiter;
  /** `RATE_LIMIT_RPS` and `RATE_LIMIT_BURST`: the limits when the flag is 0 or absent. */
  configured: RateLimits;
  log: Logger;
  /** Told every time the limits in force change (e.g. to set a gauge). */
  onChange?: (limits: RateLimits) => void;
}

/** The flag applied to the limiter; the edge reads {@link RateLimitFlag.policy} on every request. */
export interface RateLimitFlag {
  /** The `RateLimit-Policy` of the limits in force (a cached string: no work per request). */
  policy(): string;
  /** Evaluates the flag now and applies it; resolves with the limits in force. */
  refresh(): Promise<RateLimits>;
  /** Stops following the flag (the limits in force stay). */
  close(): void;
}

/**
 * Keeps the limiter's limits in step with {@link RATE_LIMIT_FLAG}. The flag is evaluated only when the
 * provider says something changed (Ready, ConfigurationChanged naming it), never per request: the edge's
 * hot path stays synchronous. A failed evaluation keeps the limits in force.
 */
export function watchRateLimitFlag(options: RateLimitFlagOptions): RateLimitFlag {
  const { flags, limiter, configured, log } = options;
  let policy = ratePolicyOf(limiter.limits());
  // Evaluations may overlap (two events in a row): only the latest one started is applied.
  let generation = 0;

  async function refresh(): Promise<RateLimits> {
    const mine = ++generation;
    let value: number;
    try {
      value = await flags.getNumberValue(RATE_LIMIT_FLAG, 0);
    } catch (error) {
      log.warn({ err: error, flag: RATE_LIMIT_FLAG }, 'rate limit flag not evaluated; limits unchanged');
      return limiter.limits();
    }
    if (mine !== generation) return limiter.limits();
    const next = limitsForFlag(value, configured);
    const current = limiter.limits();
    if (next.ratePerSecond === current.ratePerSecond && next.burst === current.burst) return current;
    limiter.setLimits(next);
    policy = ratePolicyOf(next);
    const tightened = next.ratePerSecond < configured.ratePerSecond;
    log.warn(
      { flag: RATE_LIMIT_FLAG, value, rate_per_second: next.ratePerSecond, burst: next.burst },
      tightened ? 'rate limit tightened by flag (shedding load)' : 'rate limit set by flag',
    );
    options.onChange?.(next);
    return next;
  }

  const onChanged: EventHandler = (details) => {
    const changed: unknown = details?.flagsChanged;
    if (Array.isArray(changed) && !changed.includes(RATE_LIMIT_FLAG)) return;
    void refresh();
  };
  const onReady: EventHandler = () => void refresh();
  flags.addHandler(ProviderEvents.ConfigurationChanged, onChanged);
  flags.addHandler(ProviderEvents.Ready, onReady);

  return {
    policy: () => policy,
    refresh,
    close() {
      flags.removeHandler(ProviderEvents.ConfigurationChanged, onChanged);
      flags.removeHandler(ProviderEvents.Ready, onReady);
    },
  };
}
