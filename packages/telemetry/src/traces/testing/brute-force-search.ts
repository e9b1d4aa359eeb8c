/**
 * Test support: the {@link TraceQuery} semantics written out plainly over a list of spans, independent of
 * the store's index and of trace-match.ts — the oracle that searches are checked against.
 */
import type { AttributeValue, TraceSpan } from '../span.js';
import type { TraceQuery } from '../trace-source.js';

const text = (v: AttributeValue | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);

/** Ids of the traces matching `q`, newest first, at most `q.limit`. */
export function bruteForceSearch(spans: readonly TraceSpan[], q: TraceQuery): string[] {
  const traces = new Map<string, TraceSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const hits: { id: string; startUs: number }[] = [];
  for (const [id, trace] of traces) {
    const startUs = Math.min(...trace.map((s) => Number(s.startTimeUnixNano / 1000n)));
    const endUs = Math.max(...trace.map((s) => Number(s.endTimeUnixNano / 1000n)));
    const durationMs = (endUs - startUs) / 1000;
    if (startUs / 1000 < q.start || startUs / 1000 > q.end) continue;
    if (q.minDurationMs !== undefined && durationMs < q.minDurationMs) continue;
    if (q.maxDurationMs !== undefined && durationMs > q.maxDurationMs) continue;
    if (q.status === 'ok' && trace.some((s) => s.status.code === 'error')) continue;
    const attrs = Object.entries(q.attributes ?? {});
    if (q.service !== undefined || q.operation !== undefined || q.status === 'error' || attrs.length > 0) {
      const ok = trace.some(
        (s) =>
          (q.service === undefined || s.resource['service.name'] === q.service) &&
          (q.operation === undefined || s.name === q.operation) &&
          (q.status !== 'error' || s.status.code === 'error') &&
          attrs.every(([k, v]) => text(s.attributes[k]) === v || text(s.resource[k]) === v),
      );
      if (!ok) continue;
    }
    hits.push({ id, startUs });
  }
  hits.sort((a, b) => b.startUs - a.startUs || (a.id < b.id ? -1 : 1));
  return hits.slice(0, q.limit).map((h) => h.id);
}
