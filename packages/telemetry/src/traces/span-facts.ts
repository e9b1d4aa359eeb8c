/**
 * The few facts of a span that summaries, searches and the dependency graph need, small enough for the
 * store to keep every span's in memory. Times are integer microseconds since the epoch: exact (below 2^53)
 * and the precision Jaeger keeps, so every backend summarises the same trace to the same numbers.
 */
import { serviceOf, type SpanKind, type TraceSpan } from './span.js';
import type { TraceSummary } from './trace-source.js';

/** The in-memory facts of one span. */
export interface SpanFacts {
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKind;
  /** Start, µs since the epoch. */
  readonly startUs: number;
  /** End, µs since the epoch (≥ startUs). */
  readonly endUs: number;
  readonly error: boolean;
  /**
   * For CLIENT spans, the service called when no instrumented child answers: `peer.service`, else
   * `db.system` (a database), else `server.address`.
   */
  readonly peer: string | undefined;
}

/** Nanoseconds → whole microseconds. */
export function nanosToUs(nanos: bigint): number {
  return Number(nanos / 1000n);
}

/** The facts of a span. */
export function spanFacts(span: TraceSpan): SpanFacts {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: serviceOf(span),
    name: span.name,
    kind: span.kind,
    startUs: nanosToUs(span.startTimeUnixNano),
    endUs: nanosToUs(span.endTimeUnixNano),
    error: span.status.code === 'error',
    peer: span.kind === 'client' ? peerOf(span) : undefined,
  };
}

function peerOf(span: TraceSpan): string | undefined {
  for (const key of ['peer.service', 'db.system', 'server.address']) {
    const value = span.attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * The root of a trace: the earliest span without a parent, else (the root has not arrived) the earliest
 * span whose parent is not in the trace, else the earliest span.
 */
export function rootOf(spans: readonly SpanFacts[]): SpanFacts {
  const ids = new Set(spans.map((s) => s.spanId));
  let best: SpanFacts | undefined;
  let bestRank = 3;
  for (const span of spans) {
    const rank = span.parentSpanId === undefined ? 0 : ids.has(span.parentSpanId) ? 2 : 1;
    if (
      best === undefined ||
      rank < bestRank ||
      (rank === bestRank &&
        (span.startUs < best.startUs || (span.startUs === best.startUs && span.spanId < best.spanId)))
    ) {
      best = span;
      bestRank = rank;
    }
  }
  if (best === undefined) throw new RangeError('a trace has at least one span');
  return best;
}

/** The summary of a trace from the facts of its spans (at least one). */
export function summarizeTrace(traceId: string, spans: readonly SpanFacts[]): TraceSummary {
  const root = rootOf(spans);
  let startUs = Infinity;
  let endUs = -Infinity;
  let errorCount = 0;
  const services = new Set<string>();
  for (const span of spans) {
    if (span.startUs < startUs) startUs = span.startUs;
    if (span.endUs > endUs) endUs = span.endUs;
    if (span.error) errorCount++;
    services.add(span.service);
  }
  return {
    traceId,
    rootService: root.service,
    rootOperation: root.name,
    startMs: startUs / 1000,
    durationMs: (endUs - startUs) / 1000,
    spanCount: spans.length,
    errorCount,
    error: errorCount > 0,
    services: [...services].sort(),
  };
}

/** Sorts summaries newest first (ties by trace id, so the order is stable across backends). */
export function newestFirst(a: TraceSummary, b: TraceSummary): number {
  return b.startMs - a.startMs || (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0);
}
