import { z } from 'zod';
import { parsePrometheusFloat } from '../../exposition/prometheus-text.js';
import {
  MetricsQueryError,
  type MetricsErrorKind,
  type MetricsSource,
  type QueryResult,
} from '../metrics-source.js';

/** Options of {@link createPrometheusMetricsSource}. */
export interface PrometheusMetricsSourceOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept). */
  baseUrl: string;
  /** Extra headers on every request (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Per-request deadline; 30 s by default. */
  timeoutMs?: number;
  /** Injected for tests; Node's fetch by default. */
  fetch?: typeof fetch;
}

const labelsSchema = z.record(z.string(), z.string());
const pointSchema = z.tuple([z.number(), z.string()]);
const dataSchema = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: labelsSchema, value: pointSchema })),
  }),
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: labelsSchema, values: z.array(pointSchema) })),
  }),
  z.object({ resultType: z.literal('scalar'), result: pointSchema }),
  z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
]);
const exemplarsSchema = z
  .array(
    z.object({
      seriesLabels: labelsSchema,
      exemplars: z.array(z.object({ labels: labelsSchema, value: z.string(), timestamp: z.number() })),
    }),
  )
  .nullable();
const envelopeSchema = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const ERROR_KINDS = new Set<MetricsErrorKind>(['bad_data', 'execution', 'timeout', 'canceled', 'internal']);

/**
 * The production twin of the embedded metrics backend: any server that speaks Prometheus's HTTP API
 * (https://prometheus.io/docs/prometheus/latest/querying/api/). Parameters go as a form body (long queries
 * do not hit URL limits); answers are validated before use.
 */
export function createPrometheusMetricsSource(options: PrometheusMetricsSourceOptions): MetricsSource {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;

  async function call(path: string, params: [string, string][]): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new MetricsQueryError('unavailable', `${base} cannot be reached: ${messageOf(cause)}`);
    }
    const text = await response.text();
    let body: z.infer<typeof envelopeSchema>;
    try {
      body = envelopeSchema.parse(JSON.parse(text));
    } catch {
      throw new MetricsQueryError(
        response.ok ? 'internal' : 'unavailable',
        `${base}${path} answered ${response.status} with a body that is not Prometheus API JSON`,
      );
    }
    if (body.status === 'error') {
      const message = body.error ?? `${base}${path} answered ${response.status}`;
      throw new MetricsQueryError(errorKind(body.errorType, response.status, message), message);
    }
    return body.data;
  }

  const seconds = (ms: number) => (ms / 1000).toString();

  return {
    async instantQuery(query, timeMs) {
      return toResult(
        await call('/api/v1/query', [
          ['query', query],
          ['time', seconds(timeMs)],
        ]),
      );
    },
    async rangeQuery(query, startMs, endMs, stepMs) {
      const params: [string, string][] = [
        ['query', query],
        ['start', seconds(startMs)],
        ['end', seconds(endMs)],
        ['step', seconds(stepMs)],
      ];
      return toResult(await call('/api/v1/query_range', params));
    },
    async series(selectors, startMs, endMs) {
      const params: [string, string][] = selectors.map((s) => ['match[]', s]);
      params.push(['start', seconds(startMs)], ['end', seconds(endMs)]);
      return parseData(z.array(labelsSchema), await call('/api/v1/series', params));
    },
    async labelNames(startMs, endMs) {
      const data = await call('/api/v1/labels', [
        ['start', seconds(startMs)],
        ['end', seconds(endMs)],
      ]);
      return parseData(z.array(z.string()), data).sort();
    },
    async queryExemplars(query, startMs, endMs) {
      // Prometheus serves exemplars when started with --enable-feature=exemplar-storage (`[]` otherwise).
      const data = await call('/api/v1/query_exemplars', [
        ['query', query],
        ['start', seconds(startMs)],
        ['end', seconds(endMs)],
      ]);
      return (parseData(exemplarsSchema, data) ?? []).map((s) => ({
        seriesLabels: s.seriesLabels,
        exemplars: s.exemplars.map((e) => ({
          labels: e.labels,
          value: float(e.value),
          timestampMs: Math.round(e.timestamp * 1000),
        })),
      }));
    },
    async labelValues(name, startMs, endMs) {
      // Label values are only offered as GET, with the name in the path.
      const url = `/api/v1/label/${encodeURIComponent(name)}/values?start=${seconds(startMs)}&end=${seconds(endMs)}`;
      let response: Response;
      try {
        response = await doFetch(`${base}${url}`, {
          headers: { ...options.headers },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        throw new MetricsQueryError('unavailable', `${base} cannot be reached: ${messageOf(cause)}`);
      }
      const body = envelopeSchema.safeParse(await response.json().catch(() => null));
      if (!body.success || body.data.status === 'error')
        throw new MetricsQueryError('bad_data', body.data?.error ?? `label values of ${name} failed`);
      return parseData(z.array(z.string()), body.data.data).sort();
    },
  };
}

/**
 * Prometheus names the error type; VictoriaMetrics puts the HTTP status there (422 for a syntax error and a
 * failed execution alike), so its parser's wording tells the two apart.
 */
function errorKind(errorType: string | undefined, status: number, message: string): MetricsErrorKind {
  if (ERROR_KINDS.has(errorType as MetricsErrorKind)) return errorType as MetricsErrorKind;
  if (status === 400) return 'bad_data';
  if (status === 422)
    return /unparsed data|unexpected token|cannot parse|parse error/i.test(message)
      ? 'bad_data'
      : 'execution';
  if (status === 503) return 'timeout';
  return 'internal';
}

function parseData<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new MetricsQueryError('internal', 'the answer does not have the documented shape');
  return parsed.data;
}

function toResult(data: unknown): QueryResult {
  const parsed = parseData(dataSchema, data);
  const ms = (seconds: number) => Math.round(seconds * 1000);
  switch (parsed.resultType) {
    case 'vector':
      return {
        type: 'vector',
        samples: parsed.result.map((s) => ({
          labels: s.metric,
          timestampMs: ms(s.value[0]),
          value: float(s.value[1]),
        })),
      };
    case 'matrix':
      return {
        type: 'matrix',
        series: parsed.result.map((s) => ({
          labels: s.metric,
          timestampsMs: s.values.map((p) => ms(p[0])),
          values: s.values.map((p) => float(p[1])),
        })),
      };
    case 'scalar':
      return { type: 'scalar', timestampMs: ms(parsed.result[0]), value: float(parsed.result[1]) };
    case 'string':
      return { type: 'string', timestampMs: ms(parsed.result[0]), value: parsed.result[1] };
  }
}

function float(text: string): number {
  const value = parsePrometheusFloat(text);
  if (value === null) throw new MetricsQueryError('internal', `"${text}" is not a sample value`);
  return value;
}

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.cause instanceof Error ? cause.cause.message : cause.message;
  return String(cause);
}
