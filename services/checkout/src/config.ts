import { z } from 'zod';
import { busConfigSchema } from '@opsloop/bus';
import type { BaseConfig } from '@opsloop/kit';
import { storeConfigSchema } from '@opsloop/store';
import { isCrashPoint } from './crash-points.js';

const int = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number(`expected ${what}`)
    .int(`expected ${what}`)
    .min(min, `expected ${what} from ${min} to ${max}`)
    .max(max, `expected ${what} from ${min} to ${max}`)
    .default(fallback);

/** The checkout service's configuration: the store's and the bus's variables, discovery, and its own. */
export const checkoutConfigSchema = z.object({
  ...storeConfigSchema.shape,
  ...busConfigSchema.shape,
  /** Static discovery (`name=url,url;…`) when the runtime's registry is not used. */
  OPSLOOP_ENDPOINTS: z.string().optional(),
  /** Deadline of one participant call (each attempt). */
  CHECKOUT_RPC_TIMEOUT_MS: int('milliseconds', 100, 60_000, 5_000),
  /** How long `POST /api/checkout` waits for the saga's answer before answering 202 (keep it under the gateway's). */
  CHECKOUT_REQUEST_TIMEOUT_MS: int('milliseconds', 0, 600_000, 4_000),
  /** Checkouts started at once by requests; more wait for a place (bounded by the request timeout), then 503. */
  CHECKOUT_MAX_CONCURRENT: int('a count', 1, 1000, 16),
  /** Lifetime of the stock reservation: long enough for a saga to resume after a crash. */
  CHECKOUT_RESERVATION_TTL_SECONDS: int('seconds', 1, 86_400, 900),
  /** A runner's hold on a saga, renewed at every step; keep it well above the slowest step. */
  CHECKOUT_LEASE_MS: int('milliseconds', 1_000, 3_600_000, 30_000),
  /** Period of the recovery scan. */
  CHECKOUT_RECOVERY_INTERVAL_MS: int('milliseconds', 50, 600_000, 2_000),
  /** Most sagas the recovery loop runs at once. */
  CHECKOUT_RECOVERY_CONCURRENCY: int('a count', 1, 200, 8),
  /** Attempts of a step in one run before the saga gives up (before the pivot) or is parked (after). */
  CHECKOUT_STEP_ATTEMPTS: int('a count', 1, 20, 3),
  /** Longest delay before a parked saga is retried. */
  CHECKOUT_MAX_BACKOFF_MS: int('milliseconds', 10, 3_600_000, 30_000),
  /** `1` enables test hooks (never in production). */
  OPSLOOP_TEST_HOOKS: z.enum(['0', '1'], 'expected 0 or 1').optional(),
  /** With test hooks: SIGKILL the process at this crash point (`before:<step>` or `after:<step>`). */
  CHECKOUT_CRASH_AT: z
    .string()
    .refine(isCrashPoint, 'expected before:<step> or after:<step> (see services/checkout/README.md)')
    .optional(),
});

/** The checkout service's settings (its own and every service's). */
export type CheckoutConfig = z.infer<typeof checkoutConfigSchema> & BaseConfig;

/** Delays between attempts of a step (the last repeats), before the cap. */
export const RETRY_BACKOFF_MS: readonly number[] = [250, 1_000, 2_000, 5_000, 10_000, 30_000];
