import { HTTP_DURATION_BUCKETS } from '@opsloop/kit';
import { z } from 'zod';
import { parseDuration, isDuration } from './prom-duration.js';
import { promqlSyntaxError } from './promql-syntax.js';

/** The placeholder a `ratio` indicator's PromQL uses for the range of each evaluation window. */
export const SLO_WINDOW_PLACEHOLDER = '$window';

const DAY_MS = 24 * 3_600_000;
const bounds = HTTP_DURATION_BUCKETS.join(', ');

const route = z
  .string()
  .startsWith('/', 'must be a route template such as /checkout or /orders/:id')
  .describe('Only requests to this route template (the `route` label) count.');

const windowedPromql = z.string().superRefine((expr, ctx) => {
  if (!expr.includes(SLO_WINDOW_PLACEHOLDER)) {
    ctx.addIssue({
      code: 'custom',
      message: `must use ${SLO_WINDOW_PLACEHOLDER} as its range, e.g. sum(rate(x_total[${SLO_WINDOW_PLACEHOLDER}]))`,
    });
    return;
  }
  const error = promqlSyntaxError(expr.replaceAll(SLO_WINDOW_PLACEHOLDER, '5m'));
  if (error !== undefined) ctx.addIssue({ code: 'custom', message: `is not valid PromQL: ${error}` });
});

/** Good HTTP (or gRPC) requests are those not failed by the server (5xx; gRPC server-fault codes). */
export const availabilityIndicatorSchema = z.strictObject({
  kind: z.literal('availability'),
  route: route.optional(),
  /** Which API counts: HTTP (default), gRPC, or both together. */
  protocol: z.enum(['http', 'grpc', 'all']).default('http'),
  /** Only this gRPC method (`package.Service/Method`). */
  rpcMethod: z.string().min(1).optional(),
});

/** Good requests are those served within `thresholdSeconds` (a bucket bound of the HTTP histogram). */
export const latencyIndicatorSchema = z.strictObject({
  kind: z.literal('latency'),
  thresholdSeconds: z.number({ error: 'expected seconds' }).refine((s) => HTTP_DURATION_BUCKETS.includes(s), {
    error: `must be one of the bucket bounds of http_server_request_duration_seconds (${bounds}): a latency SLO counts requests per bucket, so any other threshold cannot be measured`,
  }),
  route: route.optional(),
});

/** Any other SLI: free PromQL for good and total events over `[$window]`. */
export const ratioIndicatorSchema = z.strictObject({
  kind: z.literal('ratio'),
  good: windowedPromql.describe('PromQL of the good events per second over [$window]'),
  total: windowedPromql.describe('PromQL of all events per second over [$window]'),
});

/** What an SLO measures. */
export const sloIndicatorSchema = z.discriminatedUnion('kind', [
  availabilityIndicatorSchema,
  latencyIndicatorSchema,
  ratioIndicatorSchema,
]);

/** One service level objective, as written under a service in opsloop.yaml (`slos: [...]`). */
export const sloSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be kebab-case (a-z, 0-9, -), at most 63 characters',
    ),
  description: z.string().optional(),
  /** Percentage of good events, e.g. 99.5. */
  objective: z
    .number({ error: 'expected a percentage such as 99.5' })
    .gt(0, 'must be a percentage above 0')
    .lt(100, 'must be below 100 (a 100 % objective leaves no error budget to alert on)'),
  /** Compliance window (Prometheus duration); 30d by default. */
  window: z
    .string()
    .default('30d')
    .refine(isDuration, 'must be a duration such as 30d or 4w')
    .refine((w) => !isDuration(w) || (parseDuration(w) >= DAY_MS && parseDuration(w) <= 90 * DAY_MS), {
      error: 'must be between 1d and 90d',
    }),
  indicator: sloIndicatorSchema,
});

/** A service's SLOs; names must be unique within the service. */
export const slosSchema = z.array(sloSchema).superRefine((slos, ctx) => {
  const seen = new Set<string>();
  slos.forEach((slo, i) => {
    if (seen.has(slo.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate SLO name "${slo.name}"` });
    seen.add(slo.name);
  });
});

/** A validated SLO (defaults applied). */
export type Slo = z.infer<typeof sloSchema>;
/** An SLO as written (before defaults). */
export type SloInput = z.input<typeof sloSchema>;
/** A validated SLI definition. */
export type SloIndicator = z.infer<typeof sloIndicatorSchema>;
