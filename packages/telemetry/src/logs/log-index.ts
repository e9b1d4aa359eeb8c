/**
 * The store's in-memory catalogue: streams (label set ↔ id) and segments (sorted by id, each with its own
 * postings, trace index and time range). Queries pick segments by time, then streams by labels.
 */
import { labelsKey, type LabelMatcher, type Labels } from '../model/labels.js';
import { compileSelector } from './logql-regex.js';
import type { StreamInfo } from './log-scan.js';
import type { LogSegment } from './log-segment.js';

/** A time range in floor milliseconds, inclusive at both ends. */
export interface MsRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Every time. */
export const ALL_TIME: MsRange = { fromMs: -Infinity, toMs: Infinity };

/** Streams and segments. */
export class LogIndex {
  /** Segments, oldest (lowest id) first. */
  readonly segments: LogSegment[] = [];
  readonly #byKey = new Map<string, StreamInfo>();
  readonly #byId = new Map<number, StreamInfo>();
  #nextStreamId = 0;

  /** Number of streams. */
  get streamCount(): number {
    return this.#byKey.size;
  }

  /** The stream of a (normalised) label set, created on first use. */
  streamFor(labels: Labels): StreamInfo {
    const key = labelsKey(labels);
    let stream = this.#byKey.get(key);
    if (stream === undefined) {
      stream = { id: this.#nextStreamId++, labels, key };
      this.#byKey.set(key, stream);
      this.#byId.set(stream.id, stream);
    }
    return stream;
  }

  /** The stream with this id. */
  stream(id: number): StreamInfo | undefined {
    return this.#byId.get(id);
  }

  /** Adds a segment (ids only grow, so appending keeps the order). */
  addSegment(segment: LogSegment): void {
    this.segments.push(segment);
  }

  /** Removes a segment and forgets streams no remaining segment declares. */
  removeSegment(segment: LogSegment): void {
    const i = this.segments.indexOf(segment);
    if (i >= 0) this.segments.splice(i, 1);
    for (const id of segment.globalToLocal.keys()) {
      if (this.segments.some((s) => s.globalToLocal.has(id))) continue;
      const stream = this.#byId.get(id);
      this.#byId.delete(id);
      if (stream !== undefined) this.#byKey.delete(stream.key);
    }
  }

  /**
   * The segments retention deletes: empty ones, those whose newest entry is older than `cutoffMs`, and the
   * oldest while all together exceed `maxBytes`; never `active`.
   */
  expiredSegments(cutoffMs: number, maxBytes: number, active: LogSegment | undefined): LogSegment[] {
    const doomed: LogSegment[] = [];
    let total = 0;
    for (const segment of this.segments) total += segment.bytes;
    for (const segment of this.segments) {
      if (segment === active) continue;
      if (segment.entries === 0 || segment.maxMs < cutoffMs || total > maxBytes) {
        doomed.push(segment);
        total -= segment.bytes;
      }
    }
    return doomed;
  }

  /** Streams whose labels satisfy every matcher (Go regex syntax accepted). */
  matching(matchers: readonly LabelMatcher[]): StreamInfo[] {
    const selects = compileSelector(matchers);
    const out: StreamInfo[] = [];
    for (const stream of this.#byKey.values()) if (selects(stream.labels)) out.push(stream);
    return out;
  }

  /** Streams with at least one entry in a segment overlapping the range. */
  streamsIn(range: MsRange): StreamInfo[] {
    const ids = new Set<number>();
    for (const segment of this.segments) {
      if (!segment.overlaps(range.fromMs, range.toMs)) continue;
      for (const id of segment.streams.keys()) ids.add(id);
    }
    const out: StreamInfo[] = [];
    for (const id of ids) {
      const stream = this.#byId.get(id);
      if (stream !== undefined) out.push(stream);
    }
    return out;
  }

  /** Label names over the streams in the range, sorted. */
  labelNames(range: MsRange): string[] {
    const names = new Set<string>();
    for (const stream of this.streamsIn(range))
      for (const name of Object.keys(stream.labels)) names.add(name);
    return [...names].sort();
  }

  /** Values of one label over the streams in the range, sorted. */
  labelValues(name: string, range: MsRange): string[] {
    const values = new Set<string>();
    for (const stream of this.streamsIn(range)) {
      const value = stream.labels[name];
      if (value !== undefined) values.add(value);
    }
    return [...values].sort();
  }

  /** Label sets of the streams in the range matching every matcher, sorted by key. */
  series(matchers: readonly LabelMatcher[], range: MsRange): Labels[] {
    const selects = compileSelector(matchers);
    return this.streamsIn(range)
      .filter((s) => selects(s.labels))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((s) => s.labels);
  }
}
