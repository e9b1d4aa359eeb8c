import { z } from 'zod';

const number = (what: string) => z.number({ error: `expected ${what}` });
const int = (what: string, min: number, max?: number) => {
  const message =
    max === undefined ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`;
  let schema = z
    .number({ error: `expected ${what}` })
    .int(message)
    .min(min, message);
  if (max !== undefined) schema = schema.max(max, message);
  return schema;
};
const positive = (what: string) => number(what).positive(`expected ${what} > 0`);

/** One metric to scale on. */
export const autoscalingMetricSchema = z.discriminatedUnion(
  'type',
  [
    /** Average CPU utilisation of ready replicas, in % of the CPU request (HPA Resource metric). */
    z.strictObject({ type: z.literal('cpu'), targetUtilizationPercent: positive('a percentage') }),
    /** Average requests per second per replica (HPA Pods metric, AverageValue target). */
    z.strictObject({ type: z.literal('rps'), targetPerReplica: positive('requests per second') }),
    /** Service-wide p95 latency in ms (HPA Object metric, Value target). */
    z.strictObject({ type: z.literal('p95'), targetMs: positive('milliseconds') }),
  ],
  { error: 'expected type "cpu", "rps" or "p95"' },
);

/** See {@link autoscalingMetricSchema}. */
export type AutoscalingMetric = z.infer<typeof autoscalingMetricSchema>;

const policySchema = z.strictObject({
  type: z.enum(['Pods', 'Percent'], { error: 'expected "Pods" or "Percent"' }),
  value: int('a count or percentage', 1),
  periodSeconds: int('seconds', 1, 1800),
});

const rulesSchema = z.strictObject({
  stabilizationWindowSeconds: int('seconds', 0, 3600).optional(),
  selectPolicy: z
    .enum(['Max', 'Min', 'Disabled'], { error: 'expected "Max", "Min" or "Disabled"' })
    .optional(),
  policies: z
    .array(policySchema, { error: 'expected a list of policies' })
    .min(1, 'expected at least one policy')
    .optional(),
});

/**
 * The `autoscaling` block of a service in opsloop.yaml: Kubernetes HPA fields (minReplicas, maxReplicas,
 * metrics, behavior) plus `mode: predictive`, which scales ahead of a forecast request rate.
 */
export const autoscalingSpecSchema = z
  .strictObject({
    minReplicas: int('an integer', 1).default(1),
    maxReplicas: int('an integer', 1),
    /** Kubernetes' default when none is given: CPU at 80 %. */
    metrics: z
      .array(autoscalingMetricSchema, { error: 'expected a list of metrics' })
      .min(1, 'expected at least one metric')
      .default([{ type: 'cpu', targetUtilizationPercent: 80 }]),
    /** No scaling while |currentMetric / target − 1| ≤ tolerance. */
    tolerance: number('a fraction')
      .min(0, 'expected a fraction from 0 to 1')
      .max(1, 'expected a fraction from 0 to 1')
      .default(0.1),
    behavior: z
      .strictObject({ scaleUp: rulesSchema.optional(), scaleDown: rulesSchema.optional() })
      .default({}),
    mode: z
      .enum(['reactive', 'predictive'], { error: 'expected "reactive" or "predictive"' })
      .default('reactive'),
    /** Predictive mode: how far ahead the request rate is forecast (time to start and warm a replica). */
    leadSeconds: positive('seconds').max(3600, 'expected seconds ≤ 3600').default(60),
    /** How often a decision is made, and the spacing of the request-rate samples the forecast is fitted on. */
    periodSeconds: int('seconds', 1, 3600).default(15),
    /** Predictive mode: length of the seasonal cycle (e.g. 86400 for daily); none means trend only. */
    seasonSeconds: positive('seconds').optional(),
    /** Predictive mode: how much request-rate history the forecast is fitted on. */
    historySeconds: positive('seconds').default(3600),
  })
  .superRefine((spec, ctx) => {
    if (spec.maxReplicas < spec.minReplicas) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: 'expected maxReplicas ≥ minReplicas' });
    }
    const seen = new Set<string>();
    spec.metrics.forEach((metric, i) => {
      if (seen.has(metric.type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i, 'type'],
          message: `metric "${metric.type}" is listed twice`,
        });
      }
      seen.add(metric.type);
    });
    if (spec.mode === 'predictive' && !seen.has('rps')) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message:
          'predictive mode forecasts the request rate: add a metric of type "rps" (its target sizes the forecast)',
      });
    }
    const samples = spec.historySeconds / spec.periodSeconds;
    if (samples > 5000) {
      ctx.addIssue({
        code: 'custom',
        path: ['historySeconds'],
        message: `expected at most 5000 periods of history (got ${Math.floor(samples)})`,
      });
    }
    if (spec.seasonSeconds !== undefined) {
      if (spec.seasonSeconds < 2 * spec.periodSeconds) {
        ctx.addIssue({
          code: 'custom',
          path: ['seasonSeconds'],
          message: 'expected seasonSeconds ≥ 2 × periodSeconds',
        });
      }
      if (spec.historySeconds < 2 * spec.seasonSeconds) {
        ctx.addIssue({
          code: 'custom',
          path: ['historySeconds'],
          message: 'expected historySeconds ≥ 2 × seasonSeconds (two seasons are needed to fit one)',
        });
      }
    }
  });

/** A validated `autoscaling` block, defaults filled in. */
export type AutoscalingSpec = z.output<typeof autoscalingSpecSchema>;

/** An `autoscaling` block as written. */
export type AutoscalingSpecInput = z.input<typeof autoscalingSpecSchema>;

/** An `autoscaling` block that cannot be used; one problem per line, each naming its field. */
export class AutoscalingSpecError extends Error {
  override readonly name = 'AutoscalingSpecError';
  /** E.g. `autoscaling.maxReplicas: expected maxReplicas ≥ minReplicas`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

/** Validates an `autoscaling` block; throws {@link AutoscalingSpecError}. `where` prefixes each field path. */
export function parseAutoscalingSpec(input: unknown, where = 'autoscaling'): AutoscalingSpec {
  const result = autoscalingSpecSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new AutoscalingSpecError(
    result.error.issues.map((issue) => {
      const path = [where, ...issue.path.map(String)].filter((p) => p !== '').join('.');
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
      if (issue.code === 'invalid_type' && issue.input === undefined) message = `required (${message})`;
      return `${path}: ${message}`;
    }),
  );
}
