/**
 * An in-memory {@link SeriesQuerier} (and {@link SampleAppender}) for tests and small embedded uses:
 * series kept in a map, samples in arrays, every query a scan. Other packages' tests use it as the PromQL
 * engine's data source.
 */
import { matchesAll, normalizeLabels, type LabelMatcher, type Labels } from '../model/labels.js';
import {
  OutOfOrderSampleError,
  type SampleAppender,
  type SeriesQuerier,
  type SeriesSamples,
} from '../model/series-store.js';
import { keyOf } from './label-sets.js';
import { searchTimestamps } from './selectors.js';

interface StoredSeries {
  readonly labels: Labels;
  readonly timestamps: number[];
  /** A Float64Array (grown by doubling) so staleness markers keep their exact NaN bits. */
  values: Float64Array;
  length: number;
}

/** One series to load: labels (with `__name__`) and `[timestampMs, value]` pairs in time order. */
export interface MemorySeriesInput {
  readonly labels: Labels;
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

/** In-memory series store; see the module comment. */
export class MemoryQuerier implements SeriesQuerier, SampleAppender {
  readonly #series = new Map<string, StoredSeries>();

  /** Creates a store, optionally preloaded with `series`. */
  constructor(series: readonly MemorySeriesInput[] = []) {
    for (const s of series) for (const [t, v] of s.samples) this.append(s.labels, t, v);
  }

  /** Adds a sample; refuses one older than the series' newest (same time and value is ignored). */
  append(labels: Labels, timestampMs: number, value: number): void {
    const normalized = normalizeLabels(labels);
    const key = keyOf(normalized);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: normalized, timestamps: [], values: new Float64Array(16), length: 0 };
      this.#series.set(key, series);
    }
    const last = series.length - 1;
    if (last >= 0 && timestampMs <= series.timestamps[last]!) {
      if (timestampMs === series.timestamps[last] && Object.is(value, series.values[last])) return;
      throw new OutOfOrderSampleError(`out of order sample for ${key} at ${timestampMs}`);
    }
    if (series.length === series.values.length) {
      const grown = new Float64Array(series.values.length * 2);
      grown.set(series.values);
      series.values = grown;
    }
    series.timestamps.push(timestampMs);
    series.values[series.length++] = value;
  }

  /** Nothing to flush: samples are visible as soon as they are appended. */
  commit(): Promise<void> {
    return Promise.resolve();
  }

  select(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<SeriesSamples[]> {
    const out: SeriesSamples[] = [];
    for (const s of this.#matching(matchers)) {
      const lo = searchTimestamps(s.timestamps, minT, true);
      const hi = searchTimestamps(s.timestamps, maxT, false);
      if (hi <= lo) continue;
      out.push({ labels: s.labels, timestamps: s.timestamps.slice(lo, hi), values: s.values.slice(lo, hi) });
    }
    return Promise.resolve(out);
  }

  labelNames(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.#inRange(matchers, minT, maxT))
      for (const name of Object.keys(s.labels)) names.add(name);
    return Promise.resolve([...names].sort());
  }

  labelValues(
    name: string,
    matchers: readonly LabelMatcher[],
    minT: number,
    maxT: number,
  ): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.#inRange(matchers, minT, maxT)) {
      const value = s.labels[name];
      if (value !== undefined) values.add(value);
    }
    return Promise.resolve([...values].sort());
  }

  *#matching(matchers: readonly LabelMatcher[]): Iterable<StoredSeries> {
    for (const s of this.#series.values()) if (matchesAll(matchers, s.labels)) yield s;
  }

  *#inRange(matchers: readonly LabelMatcher[], minT: number, maxT: number): Iterable<StoredSeries> {
    for (const s of this.#matching(matchers)) {
      const lo = searchTimestamps(s.timestamps, minT, true);
      if (lo < s.timestamps.length && s.timestamps[lo]! <= maxT) yield s;
    }
  }
}
