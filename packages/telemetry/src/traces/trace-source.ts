/**
 * The trace query port: what the AIOps layer, CLI and dashboard ask of a trace backend. The embedded
 * store implements it, and so do the Tempo and Jaeger adapters (adapters/), which one contract suite
 * (trace-source.contract.ts) checks against the same data.
 */
import type { TraceSpan } from './span.js';

/**
 * A trace search. A trace matches when its start (earliest span start) is in [start, end], its duration
 * (latest span end − earliest start) is within the duration bounds, and — when any of `service`,
 * `operation`, `attributes` or `status: 'error'` is given — one span satisfies all of them together: it
 * belongs to `service`, is named `operation`, has every attribute (span or resource attribute, compared
 * as text) and, for `status: 'error'`, has error status. `status: 'ok'` asks for traces without any error
 * span. These are Jaeger's and TraceQL's single-span semantics, so every adapter can answer the same way.
 */
export interface TraceQuery {
  readonly service?: string;
  readonly operation?: string;
  readonly minDurationMs?: number;
  readonly maxDurationMs?: number;
  readonly status?: 'error' | 'ok';
  readonly attributes?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, inclusive. */
  readonly start: number;
  /** Milliseconds since the epoch, inclusive. */
  readonly end: number;
  /** Maximum number of summaries returned (the newest ones). */
  readonly limit: number;
}

/** One trace found by a search. */
export interface TraceSummary {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** Service and name of the root span (the earliest span without a parent in the trace). */
  readonly rootService: string;
  readonly rootOperation: string;
  /** Start of the earliest span, ms since the epoch (µs precision). */
  readonly startMs: number;
  readonly durationMs: number;
  readonly spanCount: number;
  /** Spans with error status. */
  readonly errorCount: number;
  /** Whether any span has error status. */
  readonly error: boolean;
  /** Services with spans in the trace, sorted. */
  readonly services: readonly string[];
}

/** A time range for the dependency graph, ms since the epoch, inclusive. */
export interface DependencyQuery {
  readonly start: number;
  readonly end: number;
}

/**
 * Calls from one service to another in the range. Latencies are those of the call as the caller saw it
 * (its CLIENT span) when there is one, else of the callee's span. `null` means the backend does not report
 * the figure (Jaeger's dependency API only counts calls).
 */
export interface DependencyEdge {
  readonly parent: string;
  readonly child: string;
  readonly calls: number;
  readonly errors: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Calls per second over the queried range. */
  readonly ratePerSecond: number;
}

/** A service of the dependency graph: its spans and error spans in the range (`null`: not reported). */
export interface DependencyNode {
  readonly service: string;
  readonly spans: number | null;
  readonly errors: number | null;
}

/** The service dependency graph: nodes sorted by service, edges by parent then child. */
export interface DependencyGraph {
  readonly nodes: readonly DependencyNode[];
  readonly edges: readonly DependencyEdge[];
}

/** Reads traces from a backend. */
export interface TraceSource {
  /** Summaries of the matching traces, newest (latest start) first, at most `query.limit`. */
  findTraces(query: TraceQuery): Promise<TraceSummary[]>;
  /** Every span of the trace (ordered by start time), or null when the trace is unknown. */
  getTrace(traceId: string): Promise<TraceSpan[] | null>;
  /** Names of the services that sent spans, sorted. */
  services(): Promise<string[]>;
  /** Span names of `service`, sorted. */
  operations(service: string): Promise<string[]>;
  /** The service dependency graph of the calls that started in the range. */
  dependencies(query: DependencyQuery): Promise<DependencyGraph>;
}

/** Writes spans: what the OTLP receiver feeds. */
export interface TraceSink {
  /** Stores spans (already validated); spans already stored (same trace and span id) are skipped. */
  append(spans: readonly TraceSpan[]): Promise<AppendResult>;
}

/** What {@link TraceSink.append} did. */
export interface AppendResult {
  readonly accepted: number;
  readonly duplicates: number;
}
