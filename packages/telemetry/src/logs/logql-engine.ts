/**
 * Evaluates parsed LogQL over an entry scanner (the store's index): log queries stop at `limit` entries;
 * metric queries scan the range once, turn entries into per-series samples, then aggregate per step.
 */
import { labelsKey, normalizeLabels, type LabelMatcher, type Labels } from '../model/labels.js';
import type { LogQueryExpr, MetricExpr, RangeAggregationExpr, Unwrap } from './logql-ast.js';
import {
  evalRangeAggregation,
  evalVectorAggregation,
  groupLabels,
  type SampleSeries,
  type StepMatrix,
} from './logql-metric.js';
import { compileLabelFilter, compilePipeline, LabelState, parseGoFloat } from './logql-pipeline.js';
import { parseBytes, parseGoDurationSeconds } from './logql-units.js';
import type { ScannedEntry } from './log-scan.js';
import type { LogDirection, LogEntry, LogStream } from './log-source.js';
import { ceilMs, msToNs } from './log-time.js';

/**
 * Reads entries of the streams matching `matchers` in [fromNs, toNs), in batches, in time order. With
 * `readLines` false the scanner may leave lines empty (the query only counts entries).
 */
export type EntryScanner = (
  matchers: readonly LabelMatcher[],
  fromNs: bigint,
  toNs: bigint,
  direction: LogDirection,
  readLines?: boolean,
) => AsyncIterable<readonly ScannedEntry[]>;

/** Most steps a metric range query may evaluate (Loki's limit of points per series). */
export const MAX_STEPS = 11_000;

/** A query that would exceed a limit. */
export class LogQueryLimitError extends Error {
  override readonly name = 'LogQueryLimitError';
}

/** Runs a log query: at most `limit` entries over all streams, streams sorted by labels. */
export async function evaluateLogQuery(
  scan: EntryScanner,
  expr: LogQueryExpr,
  fromNs: bigint,
  toNs: bigint,
  limit: number,
  direction: LogDirection,
): Promise<LogStream[]> {
  const pipeline = compilePipeline(expr.pipeline);
  const streams = new Map<string, { labels: Labels; entries: LogEntry[] }>();
  let count = 0;
  if (limit <= 0) return [];
  outer: for await (const batch of scan(expr.matchers, fromNs, toNs, direction)) {
    for (const entry of batch) {
      const out = pipeline(entry.line, entry.stream.labels);
      if (out === undefined) continue;
      const key = out.labels === entry.stream.labels ? entry.stream.key : labelsKey(out.labels);
      let stream = streams.get(key);
      if (stream === undefined) {
        stream = { labels: normalizeLabels(out.labels), entries: [] };
        streams.set(key, stream);
      }
      stream.entries.push({ timestampNs: entry.timestampNs, line: out.line });
      if (++count >= limit) break outer;
    }
  }
  return [...streams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/** The evaluation instants `start, start+step, …, ≤ end` (ms). */
export function stepTimes(startMs: number, endMs: number, stepMs: number): number[] {
  if (!(stepMs > 0))
    throw new LogQueryLimitError('zero or negative query resolution step widths are not accepted');
  if (endMs < startMs) throw new LogQueryLimitError('the end of the range is before its start');
  if (Math.floor((endMs - startMs) / stepMs) + 1 > MAX_STEPS) {
    throw new LogQueryLimitError(
      `exceeded maximum resolution of ${MAX_STEPS} points per timeseries. Try decreasing the query resolution (?step=XX)`,
    );
  }
  const steps: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) steps.push(t);
  return steps;
}

/** Runs a metric query at the given steps. */
export async function evaluateMetricQuery(
  scan: EntryScanner,
  expr: MetricExpr,
  steps: readonly number[],
): Promise<StepMatrix> {
  if (expr.kind === 'vector') {
    return evalVectorAggregation(
      expr.op,
      expr.param,
      expr.grouping,
      await evaluateMetricQuery(scan, expr.inner, steps),
    );
  }
  const series = await collectSamples(scan, expr, steps);
  return evalRangeAggregation(expr.op, expr.param, expr.rangeMs, expr.offsetMs, series.values(), steps);
}

type Converter = (raw: string) => number | undefined;

function converter(unwrap: Unwrap): Converter {
  switch (unwrap.conversion) {
    case 'none':
      return parseGoFloat;
    case 'bytes':
      return parseBytes;
    case 'duration':
    case 'duration_seconds':
      return parseGoDurationSeconds;
  }
}

/** Scans the range once and turns matching entries into samples grouped by series. */
async function collectSamples(
  scan: EntryScanner,
  expr: RangeAggregationExpr,
  steps: readonly number[],
): Promise<Map<string, SampleSeries>> {
  const series = new Map<string, SampleSeries>();
  if (steps.length === 0) return series;
  const first = steps[0]!;
  const last = steps[steps.length - 1]!;
  // Windows are (t − offset − range, t − offset]: in ns, [from + 1, to + 1).
  const fromNs = msToNs(first - expr.offsetMs - expr.rangeMs) + 1n;
  const toNs = msToNs(last - expr.offsetMs) + 1n;
  const pipeline = compilePipeline(expr.log.pipeline);
  const unwrap = expr.unwrap;
  const convert = unwrap === undefined ? undefined : converter(unwrap);
  const postFilters = unwrap?.filters.map(compileLabelFilter) ?? [];
  const bytes = expr.op === 'bytes_over_time' || expr.op === 'bytes_rate';
  // `count_over_time({…}[r])` and `rate({…}[r])` count postings: no record needs reading.
  const readLines = expr.log.pipeline.length > 0 || unwrap !== undefined || bytes;
  for await (const batch of scan(expr.log.matchers, fromNs, toNs, 'forward', readLines)) {
    for (const entry of batch) {
      const out = pipeline(entry.line, entry.stream.labels);
      if (out === undefined) continue;
      let labels = out.labels;
      let value = 1;
      if (unwrap !== undefined && convert !== undefined) {
        const raw = labels[unwrap.label];
        const converted = raw === undefined ? undefined : convert(raw);
        if (converted === undefined) continue; // no sample from an entry without a readable value
        value = converted;
        const state = new LabelState(labels);
        state.set(unwrap.label, '');
        const probe = { line: out.line, labels: state };
        if (!postFilters.every((f) => f(probe))) continue;
        labels = state.result();
      } else if (bytes) {
        value = Buffer.byteLength(out.line, 'utf8');
      }
      if (expr.grouping !== undefined) labels = groupLabels(labels, expr.grouping);
      const key = labels === entry.stream.labels ? entry.stream.key : labelsKey(labels);
      let s = series.get(key);
      if (s === undefined) {
        s = { labels: normalizeLabels(labels), times: [], values: [] };
        series.set(key, s);
      }
      s.times.push(ceilMs(entry.timestampNs));
      s.values.push(value);
    }
  }
  return series;
}
