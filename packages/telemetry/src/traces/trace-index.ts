/**
 * The store's in-memory index, rebuilt from the segments on open: trace id → the facts and record location
 * of each span, a cached summary per trace, service → operations (reference-counted so retention can take
 * spans away), and per trace a Bloom filter of its attribute pairs, which lets attribute searches skip
 * most traces without reading them from disk.
 */
import { addAttributes, mayHaveAttribute, newAttributeBloom } from './attribute-bloom.js';
import type { RecordLocation } from './segment-files.js';
import type { SpanKind, TraceSpan } from './span.js';
import { newestFirst, spanFacts, summarizeTrace, type SpanFacts } from './span-facts.js';
import { factsMatch, hasSpanCondition, summaryMatches } from './trace-match.js';
import type { TraceQuery, TraceSummary } from './trace-source.js';

/** The facts of a stored span and where its record is (one object per span: the index's unit of memory). */
export interface IndexedSpan extends SpanFacts, RecordLocation {}

/** A trace that passed the in-memory part of a search. */
export interface SearchCandidate {
  readonly summary: TraceSummary;
  /** Spans that satisfy the query's service/operation/status conditions (all spans without such). */
  readonly spans: Iterable<IndexedSpan>;
}

/**
 * One stored span's facts. A class, so that every instance has the same compact in-object layout: the
 * index holds one per span, and its size is the store's memory per span.
 */
class StoredSpan implements IndexedSpan {
  constructor(
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly service: string,
    readonly name: string,
    readonly kind: SpanKind,
    readonly startUs: number,
    readonly endUs: number,
    readonly error: boolean,
    readonly peer: string | undefined,
    readonly segment: number,
    readonly offset: number,
    readonly length: number,
  ) {}
}

interface TraceEntry {
  readonly traceId: string;
  readonly spans: Map<string, IndexedSpan>;
  /** Attribute pairs of the trace's spans (never forgets: retention only makes it a looser superset). */
  readonly attributes: Uint8Array;
  summary: TraceSummary | undefined;
}

/** The in-memory index of a trace store. */
export class TraceIndex {
  readonly #traces = new Map<string, TraceEntry>();
  readonly #segmentTraces = new Map<number, Set<string>>();
  readonly #operations = new Map<string, Map<string, number>>();
  readonly #strings = new Map<string, string>();
  #spanCount = 0;

  /** Number of traces. */
  get traceCount(): number {
    return this.#traces.size;
  }

  /** Number of spans. */
  get spanCount(): number {
    return this.#spanCount;
  }

  /** Whether the span is indexed. */
  has(traceId: string, spanId: string): boolean {
    return this.#traces.get(traceId)?.spans.has(spanId) === true;
  }

  /** Indexes a stored span (a span already indexed is ignored). */
  add(span: TraceSpan, location: RecordLocation): void {
    let entry = this.#traces.get(span.traceId);
    if (entry === undefined) {
      entry = {
        traceId: span.traceId,
        spans: new Map(),
        attributes: newAttributeBloom(),
        summary: undefined,
      };
      this.#traces.set(span.traceId, entry);
    }
    if (entry.spans.has(span.spanId)) return;
    const facts = spanFacts(span);
    // Service names, span names and kinds repeat across millions of spans: keep one copy of each string.
    const indexed = new StoredSpan(
      facts.spanId,
      facts.parentSpanId,
      this.#intern(facts.service),
      this.#intern(facts.name),
      this.#intern(facts.kind) as SpanKind,
      facts.startUs,
      facts.endUs,
      facts.error,
      facts.peer === undefined ? undefined : this.#intern(facts.peer),
      location.segment,
      location.offset,
      location.length,
    );
    entry.spans.set(span.spanId, indexed);
    entry.summary = undefined;
    addAttributes(entry.attributes, span.attributes);
    addAttributes(entry.attributes, span.resource);
    this.#spanCount++;
    let traces = this.#segmentTraces.get(location.segment);
    if (traces === undefined) {
      traces = new Set();
      this.#segmentTraces.set(location.segment, traces);
    }
    traces.add(entry.traceId);
    let operations = this.#operations.get(indexed.service);
    if (operations === undefined) {
      operations = new Map();
      this.#operations.set(indexed.service, operations);
    }
    operations.set(indexed.name, (operations.get(indexed.name) ?? 0) + 1);
  }

  /** Forgets every span stored in segment `id` (retention dropped it). */
  removeSegment(id: number): void {
    for (const traceId of this.#segmentTraces.get(id) ?? []) {
      const entry = this.#traces.get(traceId);
      if (entry === undefined) continue;
      for (const [spanId, span] of entry.spans) {
        if (span.segment !== id) continue;
        entry.spans.delete(spanId);
        this.#spanCount--;
        const operations = this.#operations.get(span.service);
        const left = (operations?.get(span.name) ?? 1) - 1;
        if (left > 0) operations?.set(span.name, left);
        else operations?.delete(span.name);
        if (operations?.size === 0) this.#operations.delete(span.service);
      }
      entry.summary = undefined;
      if (entry.spans.size === 0) this.#traces.delete(traceId);
    }
    this.#segmentTraces.delete(id);
  }

  /** The spans of a trace, or undefined. */
  spans(traceId: string): readonly IndexedSpan[] | undefined {
    const entry = this.#traces.get(traceId);
    return entry === undefined ? undefined : [...entry.spans.values()];
  }

  /** The span facts of every trace. */
  *allTraces(): Generator<readonly IndexedSpan[]> {
    for (const entry of this.#traces.values()) yield [...entry.spans.values()];
  }

  /** Service names, sorted. */
  services(): string[] {
    return [...this.#operations.keys()].sort();
  }

  /** Span names of a service, sorted. */
  operations(service: string): string[] {
    return [...(this.#operations.get(service)?.keys() ?? [])].sort();
  }

  /** The traces that pass every condition checkable in memory, newest first. */
  candidates(query: TraceQuery): SearchCandidate[] {
    const spanCondition = hasSpanCondition(query);
    const pairs = Object.entries(query.attributes ?? {});
    const out: SearchCandidate[] = [];
    for (const [traceId, entry] of this.#traces) {
      const summary = this.#summary(traceId, entry);
      if (!summaryMatches(summary, query)) continue;
      if (!pairs.every(([key, text]) => mayHaveAttribute(entry.attributes, key, text))) continue;
      if (!spanCondition) {
        out.push({ summary, spans: entry.spans.values() });
        continue;
      }
      const matching: IndexedSpan[] = [];
      for (const span of entry.spans.values()) if (factsMatch(span, query)) matching.push(span);
      if (matching.length > 0) out.push({ summary, spans: matching });
    }
    return out.sort((a, b) => newestFirst(a.summary, b.summary));
  }

  #summary(traceId: string, entry: TraceEntry): TraceSummary {
    entry.summary ??= summarizeTrace(traceId, [...entry.spans.values()]);
    return entry.summary;
  }

  #intern(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    if (this.#strings.size > 100_000) this.#strings.clear();
    this.#strings.set(value, value);
    return value;
  }
}
