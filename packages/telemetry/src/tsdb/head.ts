/**
 * The head: the in-memory series of recent data, found by label set (labelsKey) or by series ref (id), with
 * an inverted index for selection. Appends are checked for order and time validity and, once a log is set,
 * reported to it (the WAL).
 */
import { METRIC_NAME_LABEL, labelsKey, normalizeLabels } from '../model/labels.js';
import type { LabelMatcher, Labels } from '../model/labels.js';
import { OutOfOrderSampleError } from '../model/series-store.js';
import { MemSeries, type ChunkSource } from './head-series.js';
import { PostingsIndex } from './postings.js';
import { MAX_ABS_TIMESTAMP } from './xor-chunk.js';

/** Receives what the head accepted: the WAL's hooks. */
export interface HeadLog {
  series(id: number, labels: Labels): void;
  sample(id: number, t: number, hi: number, lo: number): void;
}

/** A series' chunks selected for a query or a block. */
export interface SeriesChunks {
  readonly labels: Labels;
  readonly key: string;
  readonly chunks: ChunkSource[];
}

/**
 * A sample outside what the database can take (Prometheus's ErrOutOfBounds): older than the newest block's
 * end, or a timestamp that is not an integer within ±2^51 ms. A kind of OutOfOrderSampleError, so appenders
 * that count refused samples (the scraper) count these too rather than failing.
 */
export class OutOfBoundsSampleError extends OutOfOrderSampleError {
  // `name` stays the base class's literal type; `instanceof` tells the two apart.
  readonly outOfBounds = true;
}

/** A series ref (see `Tsdb.getRef`) that the head does not hold (any more). */
export class UnknownSeriesRefError extends Error {
  override readonly name = 'UnknownSeriesRefError';
}

function overlaps(chunk: ChunkSource, minT: number, maxT: number): boolean {
  return chunk.maxT >= minT && chunk.minT <= maxT;
}

/** The in-memory part of the database. */
export class Head {
  /** Every head series' labels, indexed by id. */
  readonly index = new PostingsIndex();
  /** Samples older than this are refused (they belong to a block already written). */
  minValidTime = -Infinity;
  readonly #blockDurationMs: number;
  readonly #byKey = new Map<string, MemSeries>();
  readonly #byId = new Map<number, MemSeries>();
  #nextId = 1;
  #log: HeadLog | null = null;
  #minT = Infinity;
  #maxT = -Infinity;
  #numSamples = 0;

  /** @param blockDurationMs chunks never straddle a multiple of it */
  constructor(blockDurationMs: number) {
    this.#blockDurationMs = blockDurationMs;
  }

  /** Starts reporting new series and samples (after the WAL replay, which must not be logged again). */
  setLog(log: HeadLog | null): void {
    this.#log = log;
  }

  /** Number of series held. */
  get numSeries(): number {
    return this.#byId.size;
  }

  /** Number of samples held. */
  get numSamples(): number {
    return this.#numSamples;
  }

  /** Oldest sample time held (+Infinity when empty). */
  get minT(): number {
    return this.#minT;
  }

  /** Newest sample time held (−Infinity when empty). */
  get maxT(): number {
    return this.#maxT;
  }

  /** Every series, in id order. */
  series(): IterableIterator<MemSeries> {
    return this.#byId.values();
  }

  /** The series of a label set, created (and logged) when new. Labels must include `__name__`. */
  getOrCreate(labels: Labels): MemSeries {
    const key = labelsKey(labels);
    const existing = this.#byKey.get(key);
    if (existing !== undefined) return existing;
    if ((labels[METRIC_NAME_LABEL] ?? '') === '') {
      throw new TypeError(`a series needs a non-empty ${METRIC_NAME_LABEL} label: ${key}`);
    }
    const series = this.#create(this.#nextId, normalizeLabels(labels), key);
    this.#log?.series(series.id, series.labels);
    return series;
  }

  /**
   * Re-creates a series under its logged id (WAL replay). An id already present is kept; a label set
   * already present under another id (a series garbage-collected and created again) is returned as is, so the
   * caller maps both ids to it.
   */
  restore(id: number, labels: Labels): MemSeries {
    if (id >= this.#nextId) this.#nextId = id + 1;
    const existing = this.#byId.get(id);
    if (existing !== undefined) return existing;
    const key = labelsKey(labels);
    return this.#byKey.get(key) ?? this.#create(id, normalizeLabels(labels), key);
  }

  /** The series with this id, or undefined. */
  byId(id: number): MemSeries | undefined {
    return this.#byId.get(id);
  }

  /** The series with this id; throws {@link UnknownSeriesRefError} when it is not in the head. */
  byRef(ref: number): MemSeries {
    const series = this.#byId.get(ref);
    if (series === undefined) {
      throw new UnknownSeriesRefError(
        `unknown series ref ${ref} (garbage-collected or never created): get a new one`,
      );
    }
    return series;
  }

  /**
   * Appends a sample (value as float64 bits); false for an exact repeat of the series' last sample. Throws
   * {@link OutOfBoundsSampleError} for a timestamp that is not an integer within ±2^51 ms or is older than
   * {@link minValidTime}, and OutOfOrderSampleError for one older than the series' newest.
   */
  append(series: MemSeries, t: number, hi: number, lo: number): boolean {
    if (!Number.isInteger(t) || t > MAX_ABS_TIMESTAMP || t < -MAX_ABS_TIMESTAMP) {
      throw new OutOfBoundsSampleError(
        `timestamp ${t} is not an integer number of milliseconds within ±2^51`,
      );
    }
    if (t < this.minValidTime) {
      throw new OutOfBoundsSampleError(
        `sample at ${t} is older than ${this.minValidTime}, the end of the newest block (series ${series.key})`,
      );
    }
    if (!series.appendBits(t, hi, lo, this.#blockDurationMs)) return false;
    this.#numSamples++;
    if (t < this.#minT) this.#minT = t;
    if (t > this.#maxT) this.#maxT = t;
    this.#log?.sample(series.id, t, hi, lo);
    return true;
  }

  /** Chunks overlapping [minT, maxT] of the series matching `matchers`, in id order. */
  select(matchers: readonly LabelMatcher[], minT: number, maxT: number, allowEmpty: boolean): SeriesChunks[] {
    const out: SeriesChunks[] = [];
    for (const id of this.index.select(matchers, allowEmpty)) {
      const series = this.#byId.get(id)!;
      const chunks = series.chunks().filter((chunk) => overlaps(chunk, minT, maxT));
      if (chunks.length > 0) out.push({ labels: series.labels, key: series.key, chunks });
    }
    return out;
  }

  /**
   * The chunks of data before `end` (a block boundary), per series in key order, after closing the open
   * chunks that start before it; with {@link minValidTime} raised to `end` first, they can no longer grow.
   */
  chunksBefore(end: number): SeriesChunks[] {
    if (this.minValidTime < end) this.minValidTime = end;
    const out: SeriesChunks[] = [];
    for (const series of this.#byId.values()) {
      if (series.openMinT < end) series.closeOpenChunk();
      const chunks = series.closed.filter((chunk) => chunk.maxT < end);
      if (chunks.length > 0) out.push({ labels: series.labels, key: series.key, chunks });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Drops chunks ending before `end` (now in a block) and the series left without chunks. */
  dropChunksBefore(end: number): void {
    const emptied: MemSeries[] = [];
    let minT = Infinity;
    for (const series of this.#byId.values()) {
      let dropped = 0;
      while (dropped < series.closed.length && series.closed[dropped]!.maxT < end) {
        this.#numSamples -= series.closed[dropped]!.count;
        dropped++;
      }
      if (dropped > 0) series.closed.splice(0, dropped);
      if (series.isEmpty) {
        emptied.push(series);
        continue;
      }
      const first = series.closed[0]?.minT ?? series.openMinT;
      if (first < minT) minT = first;
    }
    for (const series of emptied) {
      this.#byId.delete(series.id);
      this.#byKey.delete(series.key);
    }
    this.index.remove(emptied);
    this.#minT = minT;
    if (this.#byId.size === 0) this.#maxT = -Infinity;
  }

  /** Bytes of every head chunk, and their count. */
  chunkStats(): { bytes: number; chunks: number } {
    let bytes = 0;
    let chunks = 0;
    for (const series of this.#byId.values()) {
      bytes += series.chunkBytes();
      chunks += series.closed.length + (series.openChunk() === null ? 0 : 1);
    }
    return { bytes, chunks };
  }

  #create(id: number, labels: Labels, key: string): MemSeries {
    const series = new MemSeries(id, labels, key);
    this.#byId.set(id, series);
    this.#byKey.set(key, series);
    this.index.add(id, labels);
    if (id >= this.#nextId) this.#nextId = id + 1;
    return series;
  }
}
