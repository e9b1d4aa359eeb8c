/**
 * The read side of the embedded store: LogQL queries, metadata, trace look-ups and tails over the index.
 */
import type { LabelMatcher, Labels } from '../model/labels.js';
import { evaluateLogQuery, evaluateMetricQuery, stepTimes, type EntryScanner } from './logql-engine.js';
import type { StepMatrix } from './logql-metric.js';
import { LogqlParseError } from './logql-parse-error.js';
import { parseLogql } from './logql-parser.js';
import { compilePipeline } from './logql-pipeline.js';
import { compileSelector } from './logql-regex.js';
import { ALL_TIME, type LogIndex, type MsRange } from './log-index.js';
import { decodeBody, RECORD_HEADER_BYTES } from './log-record.js';
import { scanEntries } from './log-scan.js';
import {
  DEFAULT_LOG_LIMIT,
  type LabeledLogEntry,
  type LogMetricInstantOptions,
  type LogMetricRangeOptions,
  type LogMetricSample,
  type LogMetricSeries,
  type LogSource,
  type LogTailOptions,
  type LogTimeRange,
  type TraceLogsOptions,
} from './log-source.js';
import type { TailHub } from './log-tail.js';
import { ceilMs, floorMs, parseTimestampNs } from './log-time.js';

const FAR_FUTURE_NS = 2n ** 63n - 1n;

function msRange(range: LogTimeRange | undefined): MsRange {
  if (range === undefined) return ALL_TIME;
  return {
    fromMs: range.start === undefined ? -Infinity : floorMs(parseTimestampNs(range.start)),
    toMs: range.end === undefined ? Infinity : ceilMs(parseTimestampNs(range.end)),
  };
}

function notA(kind: string, query: string): never {
  throw new LogqlParseError(query, { start: 0, end: query.length }, `not a ${kind} query`);
}

function toSeries(matrix: StepMatrix): LogMetricSeries[] {
  return matrix.series
    .map((s) => ({
      labels: s.labels,
      points: matrix.steps.flatMap((t, i) =>
        s.present[i] === 1 ? [{ timestampMs: t, value: s.values[i]! }] : [],
      ),
    }))
    .sort((a, b) => compareLabels(a.labels, b.labels));
}

function compareLabels(a: Labels, b: Labels): number {
  const ka = JSON.stringify(Object.entries(a).sort());
  const kb = JSON.stringify(Object.entries(b).sort());
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The {@link LogSource} methods of a store, over its index and tail hub. */
export function createLogStoreQueries(index: LogIndex, tails: TailHub, assertOpen: () => void): LogSource {
  const scan: EntryScanner = (matchers, fromNs, toNs, direction, readLines) =>
    scanEntries(index.segments, index.matching(matchers), fromNs, toNs, direction, readLines);

  async function queryLogMetric(logql: string, options: LogMetricRangeOptions): Promise<LogMetricSeries[]>;
  async function queryLogMetric(logql: string, options: LogMetricInstantOptions): Promise<LogMetricSample[]>;
  async function queryLogMetric(
    logql: string,
    options: LogMetricRangeOptions | LogMetricInstantOptions,
  ): Promise<LogMetricSeries[] | LogMetricSample[]> {
    assertOpen();
    const expr = parseLogql(logql);
    if (expr.kind === 'log') notA('metric', logql);
    if ('time' in options) {
      const t = floorMs(parseTimestampNs(options.time));
      const matrix = await evaluateMetricQuery(scan, expr, [t]);
      return toSeries(matrix).flatMap((s) =>
        s.points.map((p) => ({ labels: s.labels, timestampMs: p.timestampMs, value: p.value })),
      );
    }
    const steps = stepTimes(
      floorMs(parseTimestampNs(options.start)),
      floorMs(parseTimestampNs(options.end)),
      options.stepMs,
    );
    return toSeries(await evaluateMetricQuery(scan, expr, steps));
  }

  return {
    async queryLogs(logql, options) {
      assertOpen();
      const expr = parseLogql(logql);
      if (expr.kind !== 'log') notA('log', logql);
      const start = parseTimestampNs(options.start);
      const end = parseTimestampNs(options.end);
      const limit = options.limit ?? DEFAULT_LOG_LIMIT;
      return evaluateLogQuery(scan, expr, start, end, limit, options.direction ?? 'backward');
    },
    queryLogMetric,
    labels(range) {
      assertOpen();
      return Promise.resolve(index.labelNames(msRange(range)));
    },
    labelValues(name, range) {
      assertOpen();
      return Promise.resolve(index.labelValues(name, msRange(range)));
    },
    series(matchers: readonly LabelMatcher[], range) {
      assertOpen();
      return Promise.resolve(index.series(matchers, msRange(range)));
    },
    tail(logql: string, options: LogTailOptions = {}) {
      assertOpen();
      const expr = parseLogql(logql);
      if (expr.kind !== 'log') notA('log', logql);
      const streams = index.matching(expr.matchers);
      // Started in the same tick as the subscription: the replay is exactly what came before it.
      const replay =
        options.since === undefined
          ? undefined
          : scanEntries(index.segments, streams, parseTimestampNs(options.since), FAR_FUTURE_NS, 'forward');
      return tails.tail(
        compileSelector(expr.matchers),
        compilePipeline(expr.pipeline),
        replay,
        options.signal,
      );
    },
    async traceLogs(traceId: string, options: TraceLogsOptions = {}) {
      assertOpen();
      const from = options.start === undefined ? -FAR_FUTURE_NS : parseTimestampNs(options.start);
      const to = options.end === undefined ? FAR_FUTURE_NS : parseTimestampNs(options.end);
      const range = msRange(options);
      const out: LabeledLogEntry[] = [];
      for (const segment of index.segments) {
        if (!segment.overlaps(range.fromMs, range.toMs)) continue;
        const wanted = segment.traces.lookup(traceId);
        if (wanted.length === 0) continue;
        let records: Buffer[];
        try {
          records = await segment.readRecords(wanted);
        } catch {
          continue; // deleted by retention meanwhile
        }
        for (const record of records) {
          const entry = decodeBody(record.subarray(RECORD_HEADER_BYTES));
          if (entry?.kind !== 'entry' || entry.traceId !== traceId) continue; // a hash collision
          if (entry.timestampNs < from || entry.timestampNs >= to) continue;
          const stream = index.stream(segment.localToGlobal[entry.localId] ?? -1);
          if (stream !== undefined)
            out.push({ labels: stream.labels, timestampNs: entry.timestampNs, line: entry.line });
        }
      }
      out.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
      return out.slice(0, options.limit ?? 1000);
    },
  };
}
