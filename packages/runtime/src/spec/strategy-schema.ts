import { z } from 'zod';

/** Kubernetes' IntOrString for replica counts: `1` or `"25%"`. */
export const intOrPercent = z.union([
  z
    .number({ error: 'expected a count or a percentage such as "25%"' })
    .int('expected a whole count')
    .min(0, 'expected a count ≥ 0'),
  z.string().regex(/^(100|[1-9]?\d)%$/, 'expected a count or a percentage from "0%" to "100%"'),
]);

const seconds = (min: number, max: number) =>
  z
    .number({ error: `expected seconds from ${min} to ${max}` })
    .min(min, `expected seconds from ${min} to ${max}`)
    .max(max, `expected seconds from ${min} to ${max}`);

const fraction = (what: string) =>
  z
    .number({ error: `expected ${what} from 0 to 1` })
    .min(0, `expected ${what} from 0 to 1`)
    .max(1, `expected ${what} from 0 to 1`);

/**
 * How a new revision is judged against the stable one, on the request histograms every replica exposes
 * (`http_server_request_duration_seconds`, `rpc_server_duration_seconds`): success rate (Fisher exact) and
 * p99 latency (tail share and Mann–Whitney), each one-sided at `alpha`, with tolerances; and (`method`)
 * with the production anomaly detectors on series sampled every `sampleSeconds`.
 */
export const analysisSchema = z.strictObject({
  /** Seconds of traffic each verdict is taken on. */
  intervalSeconds: seconds(1, 3600).default(30),
  /** Requests the new revision must have served in an interval for a verdict (fewer: the step waits). */
  minRequests: z.number().int().min(1, 'expected a count ≥ 1').default(100),
  /** Significance level of the one-sided tests. */
  alpha: z.number({ error: 'expected a level from 0.0001 to 0.2' }).min(0.0001).max(0.2).default(0.01),
  /** Error-rate increase never counted as worse (0.01 = one percentage point). */
  errorRateTolerance: fraction('a fraction').default(0.01),
  /** p99 latency increase never counted as worse, relative (0.2 = 20 %) … */
  latencyTolerance: z.number({ error: 'expected a fraction ≥ 0' }).min(0).max(100).default(0.2),
  /** … and absolute, in ms (whichever is larger). */
  latencyToleranceMs: z.number({ error: 'expected ms ≥ 0' }).min(0).max(60_000).default(10),
  /** Inconclusive intervals in a row after which the rollout pauses for a person to promote or abort. */
  maxInconclusive: z.number().int().min(1).max(100).default(10),
  /**
   * `statistical`: the tests above only. `detectors`: the production anomaly detectors only (live
   * detection's detector, band and threshold on the revisions' error ratio and p95 latency series).
   * `both`: a failure of either fails the canary; promotion needs the tests to pass and the detectors not to
   * fail (a detector that cannot decide, e.g. still learning, leaves the verdict to the tests).
   */
  method: z
    .enum(['statistical', 'detectors', 'both'], { error: 'expected statistical, detectors or both' })
    .default('both'),
  /** Seconds between two samples of both revisions during an interval (the detectors' series). */
  sampleSeconds: seconds(1, 600).default(5),
});
export type AnalysisSpec = z.infer<typeof analysisSchema>;
const ANALYSIS_DEFAULTS = analysisSchema.parse({});

const rollingUpdateSchema = z.strictObject({
  type: z.literal('RollingUpdate'),
  rollingUpdate: z
    .strictObject({
      /** Replicas above the desired count during an update (count or percent, rounded up). */
      maxSurge: intOrPercent.default('25%'),
      /** Replicas below the desired count that may be unavailable (count or percent, rounded down). */
      maxUnavailable: intOrPercent.default('25%'),
    })
    .default({ maxSurge: '25%', maxUnavailable: '25%' }),
});

/**
 * Argo Rollouts' blue-green: the new revision starts beside the old at full size with no traffic, reachable
 * through its preview name (`<service>.preview` in discovery, `expose.previewPort`); `opsloop rollout
 * promote` (or `autoPromotionSeconds` after it is ready) switches all traffic at once; the old revision stays
 * up `scaleDownDelaySeconds` for an instant `rollout undo`.
 */
const blueGreenSchema = z.strictObject({
  type: z.literal('BlueGreen'),
  blueGreen: z
    .strictObject({
      /** Promote automatically this long after every new replica is ready (and preview analysis passed). */
      autoPromotionSeconds: seconds(0, 86_400).optional(),
      /** How long the old revision stays up after the switch, for an instant rollback. */
      scaleDownDelaySeconds: seconds(0, 86_400).default(30),
      /** Judges preview traffic, when there is enough of it, before an automatic promotion. */
      analysis: analysisSchema.default(ANALYSIS_DEFAULTS),
    })
    .default({ scaleDownDelaySeconds: 30, analysis: ANALYSIS_DEFAULTS }),
});

/** A canary's traffic percentages, increasing, each below 100; promotion follows the last. */
export const canaryStepsSchema = z
  .array(
    z
      .number({ error: 'expected a percentage' })
      .gt(0, 'expected a percentage > 0')
      .lt(100, 'expected a percentage < 100'),
  )
  .min(1, 'expected at least one step')
  .max(20)
  .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]!), 'expected increasing percentages');

/**
 * Argo Rollouts' / Flagger's canary with a traffic router: the new revision gets each step's share of new
 * requests (its replica count follows the share), is analysed against the stable revision over
 * `analysis.intervalSeconds` at every step, and is promoted after the last step, or rolled back as soon as
 * an analysis fails.
 */
const canarySchema = z.strictObject({
  type: z.literal('Canary'),
  canary: z
    .strictObject({
      steps: canaryStepsSchema.default([10, 50]),
      analysis: analysisSchema.default(ANALYSIS_DEFAULTS),
    })
    .default({ steps: [10, 50], analysis: ANALYSIS_DEFAULTS }),
});

/** How a changed template replaces running replicas. */
export const strategySchema = z
  .discriminatedUnion('type', [rollingUpdateSchema, blueGreenSchema, canarySchema], {
    error: 'expected type RollingUpdate, BlueGreen or Canary',
  })
  .default({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });

export type StrategySpec = z.infer<typeof strategySchema>;
