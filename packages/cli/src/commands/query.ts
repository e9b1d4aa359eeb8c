import {
  MetricsQueryError,
  createPrometheusMetricsSource,
  formatPrometheusFloat,
  type QueryResult,
} from '@opsloop/telemetry';
import { CliError } from '../cli-error.js';
import { findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';
import { parseTimeArgument } from './time-arguments.js';

/** Options of `opsloop query`. */
export interface QueryOptions {
  file: string;
  stateDir?: string;
  query: string;
  /** An instant: RFC 3339, unix seconds, `now` or `now-5m`. */
  time?: string;
  /** A range query over this much time before `time` (milliseconds). */
  rangeMs?: number;
  stepMs?: number;
  output: 'table' | 'json';
}

/**
 * `opsloop query '<promql>' [--time t] [--range 1h [--step 30s]]`: PromQL against the runtime's embedded
 * metrics store (the same Prometheus API Grafana uses), printed as a table (viewer role).
 */
export async function query(options: QueryOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const token = process.env.OPSLOOP_TOKEN?.trim() || state.token;
  const source = createPrometheusMetricsSource({
    baseUrl: state.controlUrl,
    headers: { authorization: `Bearer ${token}` },
    timeoutMs: 60_000,
  });
  const at = parseTimeArgument(options.time ?? 'now', Date.now());
  let result: QueryResult;
  try {
    if (options.rangeMs === undefined) result = await source.instantQuery(options.query, at);
    else {
      const step = options.stepMs ?? Math.max(1000, Math.ceil(options.rangeMs / 60 / 1000) * 1000);
      result = await source.rangeQuery(options.query, at - options.rangeMs, at, step);
    }
  } catch (error) {
    if (error instanceof MetricsQueryError)
      throw new CliError(`query failed (${error.kind}): ${error.message}`);
    throw error;
  }
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(result, jsonFloats, 2)}\n` : formatResult(result),
  );
  return 0;
}

/** JSON has no NaN or infinities: they print as Prometheus writes them. */
function jsonFloats(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? formatPrometheusFloat(value) : value;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A series' shape in eight levels; gaps (NaN) as spaces. */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const stride = Math.max(1, values.length / width);
  let out = '';
  for (let i = 0; i < values.length && out.length < width; i += stride) {
    const v = values[Math.floor(i)]!;
    if (!Number.isFinite(v)) out += ' ';
    else out += SPARKS[max === min ? 3 : Math.round(((v - min) / (max - min)) * 7)];
  }
  return out;
}

/** A query result as text: a table of series and values, or of series with their range summary. */
export function formatResult(result: QueryResult): string {
  const value = (v: number) => formatPrometheusFloat(v);
  switch (result.type) {
    case 'scalar':
      return `${value(result.value)}\n`;
    case 'string':
      return `${result.value}\n`;
    case 'vector':
      if (result.samples.length === 0) return 'no data\n';
      return tableOf(
        ['SERIES', 'VALUE'],
        result.samples
          .map((s) => [seriesName(s.labels), value(s.value)] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      );
    case 'matrix':
      if (result.series.length === 0) return 'no data\n';
      return tableOf(
        ['SERIES', 'MIN', 'MAX', 'LAST', 'SHAPE'],
        result.series.map((s) => {
          const finite = s.values.filter((v) => !Number.isNaN(v));
          return [
            seriesName(s.labels),
            finite.length ? value(Math.min(...finite)) : '-',
            finite.length ? value(Math.max(...finite)) : '-',
            s.values.length ? value(s.values[s.values.length - 1]!) : '-',
            sparkline(s.values),
          ];
        }),
      );
  }
}

const tableOf = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  `${formatTable(header, rows)}\n`;

/** `name{a="1", b="2"}`, as Prometheus prints a series. */
function seriesName(labels: Readonly<Record<string, string>>): string {
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  return pairs.length === 0 ? name || '{}' : `${name}{${pairs.join(', ')}}`;
}
