/**
 * The log source port: what the AIOps layer, the CLI and the dashboard query. The embedded store
 * ({@link createLogStore}) implements it, and so will a Loki HTTP adapter; one contract suite covers both.
 *
 * Time follows Loki's API: instants are nanoseconds since the Unix epoch, as a bigint or its decimal string.
 */
import type { LabelMatcher, Labels } from '../model/labels.js';

/** Nanoseconds since the Unix epoch, as Loki's API carries them: a bigint or its decimal string. */
export type TimestampNs = bigint | string;

/** Order of the entries of a log query: oldest first (`forward`) or newest first (`backward`, Loki's default). */
export type LogDirection = 'forward' | 'backward';

/** One log line with its timestamp. */
export interface LogEntry {
  /** Nanoseconds since the Unix epoch. */
  readonly timestampNs: bigint;
  /** The line, verbatim (or as rewritten by a `line_format` stage). */
  readonly line: string;
}

/** The entries of one stream (a label set), in the query's direction. */
export interface LogStream {
  readonly labels: Labels;
  readonly entries: readonly LogEntry[];
}

/** An entry with its stream's labels: what tails and trace look-ups yield. */
export interface LabeledLogEntry extends LogEntry {
  readonly labels: Labels;
}

/** The `limit` of a log query that names none (Loki's default). */
export const DEFAULT_LOG_LIMIT = 100;

/** Options of a log query ({@link LogSource.queryLogs}). */
export interface LogQueryOptions {
  /** Inclusive start (ns). */
  readonly start: TimestampNs;
  /** Exclusive end (ns), as Loki. */
  readonly end: TimestampNs;
  /** Most entries returned over all streams; default 100 (Loki's default). */
  readonly limit?: number;
  /** Default `backward`: the newest `limit` entries. */
  readonly direction?: LogDirection;
}

/** Options of a metric range query: Prometheus-like steps `start, start+step, …, ≤ end`. */
export interface LogMetricRangeOptions {
  readonly start: TimestampNs;
  readonly end: TimestampNs;
  /** Step between evaluation instants, in milliseconds (> 0). */
  readonly stepMs: number;
}

/** Options of a metric instant query: one evaluation at `time`. */
export interface LogMetricInstantOptions {
  readonly time: TimestampNs;
}

/** One point of a metric series. */
export interface LogMetricPoint {
  /** Milliseconds since the epoch (steps are evaluated at millisecond resolution). */
  readonly timestampMs: number;
  readonly value: number;
}

/** A series of a matrix result: points only at the steps where it had a value. */
export interface LogMetricSeries {
  readonly labels: Labels;
  readonly points: readonly LogMetricPoint[];
}

/** A sample of a vector result. */
export interface LogMetricSample {
  readonly labels: Labels;
  readonly timestampMs: number;
  readonly value: number;
}

/** An optional time range (ns) for metadata queries; without it, everything retained counts. */
export interface LogTimeRange {
  readonly start?: TimestampNs;
  readonly end?: TimestampNs;
}

/** Options of {@link LogSource.tail}. */
export interface LogTailOptions {
  /** Replay matching entries from this instant (ns, inclusive) before following; default: only new ones. */
  readonly since?: TimestampNs;
  /** Ends the iteration (the iterator then returns). */
  readonly signal?: AbortSignal;
}

/** Options of {@link LogSource.traceLogs}. */
export interface TraceLogsOptions extends LogTimeRange {
  /** Most entries returned (oldest first); default 1000. */
  readonly limit?: number;
}

/**
 * Reads logs. Queries are LogQL (the subset documented in logql-ast.ts); a query the subset does not cover
 * rejects with a {@link LogqlParseError}.
 */
export interface LogSource {
  /** A log query: the matching entries grouped into streams (labels after the pipeline), at most `limit`. */
  queryLogs(logql: string, options: LogQueryOptions): Promise<LogStream[]>;
  /** A metric query over a range: a matrix. */
  queryLogMetric(logql: string, options: LogMetricRangeOptions): Promise<LogMetricSeries[]>;
  /** A metric query at one instant: a vector. */
  queryLogMetric(logql: string, options: LogMetricInstantOptions): Promise<LogMetricSample[]>;
  /** Label names of the streams with entries in the range, sorted. */
  labels(range?: LogTimeRange): Promise<string[]>;
  /** Values of label `name` over the streams with entries in the range, sorted. */
  labelValues(name: string, range?: LogTimeRange): Promise<string[]>;
  /** Label sets of the streams matching every matcher, with entries in the range, sorted by labels. */
  series(matchers: readonly LabelMatcher[], range?: LogTimeRange): Promise<Labels[]>;
  /** Entries of a log query as they are appended (after a replay from `since`), until `signal` aborts. */
  tail(logql: string, options?: LogTailOptions): AsyncIterable<LabeledLogEntry>;
  /** Entries whose JSON `trace_id` is `traceId` (what incident correlation asks for), oldest first. */
  traceLogs(traceId: string, options?: TraceLogsOptions): Promise<LabeledLogEntry[]>;
}

/** One entry to append: stream labels, an optional timestamp, the line verbatim. */
export interface LogAppendEntry {
  /** Stream labels, e.g. `{service, instance, stream: 'stdout' | 'stderr'}`. */
  readonly labels: Labels;
  /** Nanoseconds since the epoch; default: the JSON line's `time`, else the store's clock. */
  readonly timestampNs?: bigint;
  readonly line: string;
}

/** Writes logs: what the runtime's capture and the Loki push endpoint feed. */
export interface LogAppender {
  /** Adds one entry (synchronously indexed and visible to queries and tails). Throws on invalid input. */
  append(entry: LogAppendEntry): void;
  /** Resolves once every entry appended so far is on disk (written and fsynced). */
  flush(): Promise<void>;
}
