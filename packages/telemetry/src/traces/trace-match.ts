/**
 * The search semantics of {@link TraceQuery}, in one place: the trace-level conditions (time, duration,
 * "no error") checked on a summary, and the single-span condition checked on spans. The store, the Jaeger
 * adapter (which filters client-side what Jaeger cannot) and the Tempo adapter all use these.
 */
import { attributeText, serviceOf, type TraceSpan } from './span.js';
import type { SpanFacts } from './span-facts.js';
import type { TraceQuery, TraceSummary } from './trace-source.js';

/** Whether the trace-level conditions hold: start in range, duration bounds, `status: 'ok'`. */
export function summaryMatches(summary: TraceSummary, query: TraceQuery): boolean {
  if (summary.startMs < query.start || summary.startMs > query.end) return false;
  if (query.minDurationMs !== undefined && summary.durationMs < query.minDurationMs) return false;
  if (query.maxDurationMs !== undefined && summary.durationMs > query.maxDurationMs) return false;
  if (query.status === 'ok' && summary.error) return false;
  return true;
}

/** Whether the query has a single-span condition (service, operation, attributes or error status). */
export function hasSpanCondition(query: TraceQuery): boolean {
  return (
    query.service !== undefined ||
    query.operation !== undefined ||
    query.status === 'error' ||
    Object.keys(query.attributes ?? {}).length > 0
  );
}

/** Whether the facts of one span satisfy the query's service, operation and error conditions. */
export function factsMatch(span: SpanFacts, query: TraceQuery): boolean {
  if (query.service !== undefined && span.service !== query.service) return false;
  if (query.operation !== undefined && span.name !== query.operation) return false;
  if (query.status === 'error' && !span.error) return false;
  return true;
}

/** Whether one span satisfies the whole single-span condition, attributes included. */
export function spanMatches(span: TraceSpan, query: TraceQuery): boolean {
  if (query.service !== undefined && serviceOf(span) !== query.service) return false;
  if (query.operation !== undefined && span.name !== query.operation) return false;
  if (query.status === 'error' && span.status.code !== 'error') return false;
  for (const [key, expected] of Object.entries(query.attributes ?? {})) {
    if (!hasAttribute(span, key, expected)) return false;
  }
  return true;
}

/** Whether the span or its resource has attribute `key` whose text is `expected`. */
export function hasAttribute(span: TraceSpan, key: string, expected: string): boolean {
  const own = Object.hasOwn(span.attributes, key) ? span.attributes[key] : undefined;
  if (own !== undefined && attributeText(own) === expected) return true;
  const fromResource = Object.hasOwn(span.resource, key) ? span.resource[key] : undefined;
  return fromResource !== undefined && attributeText(fromResource) === expected;
}

/** Whether a whole trace (its spans and summary) matches the query. */
export function traceMatches(spans: readonly TraceSpan[], summary: TraceSummary, query: TraceQuery): boolean {
  if (!summaryMatches(summary, query)) return false;
  return !hasSpanCondition(query) || spans.some((span) => spanMatches(span, query));
}
