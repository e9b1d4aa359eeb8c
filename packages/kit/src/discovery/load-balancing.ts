import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import { createLeastOutstanding } from './least-outstanding.js';
import { LoadBalancingConfigError, type LoadBalancer } from './load-balancer.js';
import {
  createOutlierDetector,
  withOutlierEjection,
  type EjectionEvent,
  type OutlierEjectionHooks,
} from './outlier-detector.js';
import { createWeightedRoundRobin } from './weighted-round-robin.js';

const count = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .min(min, `expected ${what} ≥ ${min}`)
    .max(max, `expected ${what} ≤ ${max}`);

/** Outlier ejection settings; every field has Envoy's default. */
export const outlierDetectionSchema = z.strictObject({
  /** Failures in a row (connect error, 5xx, gRPC UNAVAILABLE…) that eject an endpoint. */
  consecutiveFailures: count('a count', 1, 1_000).default(5),
  /** Duration of a first ejection; the n-th lasts n times as long. */
  baseEjectionMs: count('milliseconds', 1, 3_600_000).default(30_000),
  /** Cap on one ejection. */
  maxEjectionMs: count('milliseconds', 1, 86_400_000).default(300_000),
  /** Most endpoints of a service out at once, in percent. */
  maxEjectionPercent: count('a percentage', 0, 100).default(50),
  /** An endpoint's ejection count drops by one per interval back in service. */
  decayIntervalMs: count('milliseconds', 1, 3_600_000).default(10_000),
});

/** The load-balancing policies. */
export const loadBalancingPolicySchema = z.enum(['round-robin', 'least-request'], {
  error: 'expected round-robin or least-request',
});

/** How a client spreads requests over a service's replicas. */
export const loadBalancingSchema = z.strictObject({
  /** `least-request` (default): fewest requests in flight; `round-robin`: smooth weighted round-robin. */
  policy: loadBalancingPolicySchema.default('least-request'),
  /** Outlier ejection, on by default; `false` turns it off. */
  outlierDetection: z.union([z.literal(false), outlierDetectionSchema]).prefault({}),
});

/** Load-balancing options as written by a caller (every field optional). */
export type LoadBalancing = z.input<typeof loadBalancingSchema>;

/** Load-balancing options with every default filled in. */
export type ResolvedLoadBalancing = z.output<typeof loadBalancingSchema>;

const envCount = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int(`expected ${what}`)
    .min(min, `expected ${what} ≥ ${min}`)
    .max(max, `expected ${what} ≤ ${max}`);

/**
 * The environment variables of load balancing, to merge into a service's config schema
 * (`schema.extend(loadBalancingEnvSchema.shape)`) and turn into options with {@link loadBalancingFromEnv}.
 */
export const loadBalancingEnvSchema = z.object({
  /** `least-request` (default) or `round-robin`. */
  LB_POLICY: loadBalancingPolicySchema.default('least-request'),
  /** `on` (default) or `off`: outlier ejection. */
  LB_OUTLIER_DETECTION: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
  LB_OUTLIER_CONSECUTIVE_FAILURES: envCount('a count', 1, 1_000).default(5),
  LB_OUTLIER_BASE_EJECTION_MS: envCount('milliseconds', 1, 3_600_000).default(30_000),
  LB_OUTLIER_MAX_EJECTION_PERCENT: envCount('a percentage', 0, 100).default(50),
});

/** The parsed load-balancing variables. */
export type LoadBalancingEnv = z.output<typeof loadBalancingEnvSchema>;

/** Options from the parsed `LB_*` variables (see {@link loadBalancingEnvSchema}). */
export function loadBalancingFromEnv(env: LoadBalancingEnv): LoadBalancing {
  return {
    policy: env.LB_POLICY,
    outlierDetection:
      env.LB_OUTLIER_DETECTION === 'off'
        ? false
        : {
            consecutiveFailures: env.LB_OUTLIER_CONSECUTIVE_FAILURES,
            baseEjectionMs: env.LB_OUTLIER_BASE_EJECTION_MS,
            maxEjectionPercent: env.LB_OUTLIER_MAX_EJECTION_PERCENT,
          },
  };
}

/** Validates `options` and fills in defaults; throws a {@link LoadBalancingConfigError} naming the bad field. */
export function parseLoadBalancing(options: unknown): ResolvedLoadBalancing {
  const result = loadBalancingSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const { path, message } = innermost(result.error.issues[0]!);
  throw new LoadBalancingConfigError(path.map(String).join('.') || 'loadBalancing', message);
}

/**
 * The issue to report: inside a union (`false` or an object), the branch that got furthest, so that a bad
 * `outlierDetection.maxEjectionPercent` is named as such rather than as "invalid input" on the union.
 */
function innermost(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: { path: PropertyKey[]; message: string } | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first === undefined) continue;
    const nested = innermost(first);
    if (best === undefined || nested.path.length > best.path.length) best = nested;
  }
  return best === undefined ? issue : { path: [...issue.path, ...best.path], message: best.message };
}

/** What {@link createBalancer} needs besides options: time, randomness, and optional hooks. */
export interface BalancerDependencies {
  /** Time of outlier ejection; the system clock by default. */
  clock?: Clock;
  /** Source of least-request's random choices, in [0, 1); Math.random by default. */
  random?: () => number;
  /** Called when an endpoint is ejected (metrics, logs). */
  onEject?: (event: EjectionEvent) => void;
  /** Called when an ejected endpoint takes requests again. */
  onReturn?: (instance: string) => void;
  /** Called when every endpoint is ejected and they are used anyway (see `withOutlierEjection`). */
  onPanic?: OutlierEjectionHooks['onPanic'];
}

/**
 * The balancer `options` describe: least-request (default) or smooth weighted round-robin, wrapped in outlier
 * ejection unless `outlierDetection` is false. Create one per upstream service: outlier ejection limits
 * (`maxEjectionPercent`) are relative to the one endpoint list it is given.
 */
export function createBalancer(options: LoadBalancing = {}, deps: BalancerDependencies = {}): LoadBalancer {
  const resolved = parseLoadBalancing(options);
  const inner =
    resolved.policy === 'round-robin'
      ? createWeightedRoundRobin()
      : createLeastOutstanding(deps.random ? { random: deps.random } : {});
  if (resolved.outlierDetection === false) return inner;
  const detector = createOutlierDetector({
    ...resolved.outlierDetection,
    clock: deps.clock ?? systemClock,
    ...(deps.onEject ? { onEject: deps.onEject } : {}),
    ...(deps.onReturn ? { onReturn: deps.onReturn } : {}),
  });
  return withOutlierEjection(inner, detector, deps.onPanic ? { onPanic: deps.onPanic } : {});
}
