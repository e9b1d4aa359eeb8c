/**
 * The Loki adapter of the {@link LogSource} port: the production twin of the embedded store, over Loki's
 * HTTP API (`/loki/api/v1/query_range`, `/query`, `/labels`, `/label/<name>/values`, `/series`).
 *
 * Where the port asks for something Loki cannot say directly:
 * - `traceLogs` reads `<streamSelector> |= "<id>"` forward and keeps the lines whose JSON `trace_id`
 *   (or `traceId`) is the id, as the store's index does; `| json` is not used because it would add every
 *   field of the line to the stream labels. Loki refuses a selector that matches everything (`{}`), so
 *   "all streams" is the configurable `streamSelector`, default `{service=~".+"}`.
 * - `tail` polls `query_range` forward (see loki-tail.ts) rather than opening Loki's WebSocket, so it works
 *   the same through proxies and against our embedded Loki API (which tails over server-sent events).
 * - Without a range, metadata calls let Loki pick its default (the last 6 hours); `traceLogs` looks back
 *   `traceLookbackMs`.
 */
import type { ZodType } from 'zod';
import type { LabelMatcher, Labels } from '../../model/labels.js';
import { lineFacts } from '../log-line.js';
import {
  DEFAULT_LOG_LIMIT,
  type LabeledLogEntry,
  type LogMetricInstantOptions,
  type LogMetricRangeOptions,
  type LogMetricSample,
  type LogMetricSeries,
  type LogQueryOptions,
  type LogSource,
  type LogStream,
  type LogTailOptions,
  type LogTimeRange,
  type TraceLogsOptions,
} from '../log-source.js';
import { msToNs, parseTimestampNs } from '../log-time.js';
import { LogqlParseError } from '../logql-parse-error.js';
import { ForwardCursor } from './forward-cursor.js';
import { lokiGet, type LokiHttpOptions, type LokiParams } from './loki-http.js';
import { logqlString, stepParam, streamSelector, timeParam } from './loki-query-text.js';
import {
  instantResponse,
  rangeResponse,
  seriesResponse,
  stringListResponse,
  toLabeledEntries,
  toLabelSets,
  toSamples,
  toSeries,
  toSortedStrings,
  toStreams,
} from './loki-responses.js';
import { pollTail, type Sleep } from './loki-tail.js';

/** Options of {@link createLokiLogSource}. */
export interface LokiLogSourceOptions extends LokiHttpOptions {
  /** The selector meaning "every stream" (trace look-ups, `series([])`); default `{service=~".+"}`. */
  readonly streamSelector?: string;
  /** The clock (ms since the epoch): default ends of trace look-ups and tails; default `Date.now`. */
  readonly now?: () => number;
  /** How far back `traceLogs` looks without a `start`; default 7 days. */
  readonly traceLookbackMs?: number;
  /** Pause between tail polls that found nothing more to read; default 1 000 ms. */
  readonly tailPollIntervalMs?: number;
  /** How a tail waits between polls (tests step it by hand); default a timer cut short by the signal. */
  readonly sleep?: Sleep;
  /** Entries asked for per page by tails and trace look-ups (≤ Loki's max_entries_limit_per_query); 1000. */
  readonly pageSize?: number;
}

const QUERY_RANGE = '/loki/api/v1/query_range';

function notA(kind: string, query: string): never {
  throw new LogqlParseError(query, { start: 0, end: query.length }, `not a ${kind} query`);
}

function rangeParams(range: LogTimeRange | undefined): LokiParams {
  return {
    start: range?.start === undefined ? undefined : timeParam(parseTimestampNs(range.start)),
    end: range?.end === undefined ? undefined : timeParam(parseTimestampNs(range.end)),
  };
}

function checkOptions(options: LokiLogSourceOptions): void {
  const protocol = URL.canParse(options.baseUrl) ? new URL(options.baseUrl).protocol : '';
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TypeError(
      `invalid Loki baseUrl ${JSON.stringify(options.baseUrl)}: an http(s) URL is required`,
    );
  }
  const { pageSize, timeoutMs } = options;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 5000)) {
    throw new RangeError(`pageSize must be an integer in [1, 5000], got ${pageSize}`);
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
}

/**
 * A {@link LogSource} reading from Grafana Loki (or anything speaking its query API). Throws on bad
 * options (a base URL that does not parse, a page size outside Loki's default limits).
 */
export function createLokiLogSource(options: LokiLogSourceOptions): LogSource {
  checkOptions(options);
  const allStreams = options.streamSelector ?? '{service=~".+"}';
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? 1000;
  const get = <T>(
    path: string,
    params: LokiParams,
    schema: ZodType<T>,
    logql?: string,
    signal?: AbortSignal,
  ) => lokiGet(options, path, params, schema, logql, signal);

  async function queryLogs(logql: string, query: LogQueryOptions): Promise<LogStream[]> {
    const params = {
      query: logql,
      start: timeParam(parseTimestampNs(query.start)),
      end: timeParam(parseTimestampNs(query.end)),
      limit: String(query.limit ?? DEFAULT_LOG_LIMIT),
      direction: query.direction ?? 'backward',
    };
    const { data } = await get(QUERY_RANGE, params, rangeResponse, logql);
    return data.resultType === 'streams' ? toStreams(data) : notA('log', logql);
  }

  /** One forward page of a log query, flattened oldest first. */
  async function forwardPage(logql: string, startNs: bigint, endNs: bigint, signal?: AbortSignal) {
    const params = {
      query: logql,
      start: timeParam(startNs),
      end: timeParam(endNs),
      limit: String(pageSize),
      direction: 'forward',
    };
    const { data } = await get(QUERY_RANGE, params, rangeResponse, logql, signal);
    return data.resultType === 'streams' ? toLabeledEntries(data) : notA('log', logql);
  }

  async function queryLogMetric(logql: string, options: LogMetricRangeOptions): Promise<LogMetricSeries[]>;
  async function queryLogMetric(logql: string, options: LogMetricInstantOptions): Promise<LogMetricSample[]>;
  async function queryLogMetric(
    logql: string,
    query: LogMetricRangeOptions | LogMetricInstantOptions,
  ): Promise<LogMetricSeries[] | LogMetricSample[]> {
    if ('time' in query) {
      const params = { query: logql, time: timeParam(parseTimestampNs(query.time)) };
      const { data } = await get('/loki/api/v1/query', params, instantResponse, logql);
      if (data.resultType === 'vector') return toSamples(data);
      return data.resultType === 'scalar' ? notA('vector', logql) : notA('metric', logql);
    }
    const params = {
      query: logql,
      start: timeParam(parseTimestampNs(query.start)),
      end: timeParam(parseTimestampNs(query.end)),
      step: stepParam(query.stepMs),
    };
    const { data } = await get(QUERY_RANGE, params, rangeResponse, logql);
    if (data.resultType === 'matrix') return toSeries(data);
    return data.resultType === 'scalar' ? notA('vector', logql) : notA('metric', logql);
  }

  return {
    queryLogs,
    queryLogMetric,
    async labels(range) {
      const { data } = await get('/loki/api/v1/labels', rangeParams(range), stringListResponse);
      return toSortedStrings(data);
    },
    async labelValues(name, range) {
      const path = `/loki/api/v1/label/${encodeURIComponent(name)}/values`;
      const { data } = await get(path, rangeParams(range), stringListResponse);
      return toSortedStrings(data);
    },
    async series(matchers: readonly LabelMatcher[], range): Promise<Labels[]> {
      const selector = matchers.length === 0 ? allStreams : streamSelector(matchers);
      const params = { 'match[]': [selector], ...rangeParams(range) };
      const { data } = await get('/loki/api/v1/series', params, seriesResponse, selector);
      return toLabelSets(data ?? []);
    },
    tail(logql: string, tailOptions: LogTailOptions = {}): AsyncIterable<LabeledLogEntry> {
      return pollTail({
        page: (startNs, endNs, signal) => forwardPage(logql, startNs, endNs, signal),
        pageSize,
        since: tailOptions.since === undefined ? undefined : parseTimestampNs(tailOptions.since),
        signal: tailOptions.signal,
        now,
        intervalMs: options.tailPollIntervalMs ?? 1000,
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      });
    },
    async traceLogs(traceId: string, range: TraceLogsOptions = {}): Promise<LabeledLogEntry[]> {
      const limit = range.limit ?? 1000;
      const endNs = range.end === undefined ? msToNs(now() + 1) : parseTimestampNs(range.end);
      const startNs =
        range.start === undefined
          ? msToNs(now() - (options.traceLookbackMs ?? 7 * 24 * 3_600_000))
          : parseTimestampNs(range.start);
      const logql = `${allStreams} |= ${logqlString(traceId)}`;
      const cursor = new ForwardCursor(startNs);
      const out: LabeledLogEntry[] = [];
      while (out.length < limit && cursor.startNs < endNs) {
        const page = await forwardPage(logql, cursor.startNs, endNs);
        const fresh = cursor.accept(page, page.length >= pageSize);
        // The line filter also matches the id inside other text: keep what the store's index would hold.
        for (const entry of fresh) if (lineFacts(entry.line).traceId === traceId) out.push(entry);
        if (page.length < pageSize) break;
      }
      return out.slice(0, limit);
    },
  };
}
