/**
 * Fetched series of one selector and the two lookups the evaluator makes on them every step: the latest
 * sample within the lookback window (instant selectors) and the samples of a range window (matrix
 * selectors), both by binary search over the sorted timestamps.
 */
import { isStaleNaN } from '../model/stale-nan.js';
import type { Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import { compareLabels } from './label-sets.js';

const scratch = new DataView(new ArrayBuffer(8));
const QUIETED_STALE_BITS = 0x7ff8000000000002n;

/**
 * Whether `value` is a staleness marker. The marker is a signalling NaN; V8 sets its quiet bit when it is
 * stored in an ordinary array (`[STALE_NAN]`), so the quieted pattern — which no arithmetic produces —
 * counts too.
 */
export function isStale(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  if (isStaleNaN(value)) return true;
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0) === QUIETED_STALE_BITS;
}

/** One fetched series, with a stale-marker-free copy for range windows. */
export interface SeriesData {
  readonly labels: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  /** Timestamps of the non-stale samples (the same arrays as `t`/`v` when there is no marker). */
  readonly rangeT: ArrayLike<number>;
  readonly rangeV: ArrayLike<number>;
}

/** Prepares fetched series: sorted by labels, stale markers split off for range use. */
export function prepareSeries(fetched: readonly SeriesSamples[]): SeriesData[] {
  const out = fetched.map((s): SeriesData => {
    let stale = 0;
    const values = s.values;
    const length = values.length;
    // Only a NaN can be a marker: the cheap self-inequality test keeps this scan of every sample fast.
    for (let i = 0; i < length; i++) {
      const value = values[i]!;
      if (value !== value && isStale(value)) stale++;
    }
    if (stale === 0)
      return { labels: s.labels, t: s.timestamps, v: s.values, rangeT: s.timestamps, rangeV: s.values };
    const rangeT = new Float64Array(s.values.length - stale);
    const rangeV = new Float64Array(s.values.length - stale);
    let j = 0;
    for (let i = 0; i < s.values.length; i++) {
      const value = s.values[i]!;
      if (isStale(value)) continue;
      rangeT[j] = s.timestamps[i]!;
      rangeV[j] = value;
      j++;
    }
    return { labels: s.labels, t: s.timestamps, v: s.values, rangeT, rangeV };
  });
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Index of the first timestamp > `value` (or `>= value` when `inclusive`), by binary search. */
export function searchTimestamps(t: ArrayLike<number>, value: number, inclusive: boolean): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inclusive ? t[mid]! < value : t[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index of the sample an instant selector reads at `refMs`: the latest at or before it, no older than
 * `lookbackMs` (inclusive, as in Prometheus 2.x), not a staleness marker; -1 when there is none.
 */
export function instantIndex(series: SeriesData, refMs: number, lookbackMs: number): number {
  const i = searchTimestamps(series.t, refMs, false) - 1;
  if (i < 0) return -1;
  if (series.t[i]! < refMs - lookbackMs) return -1;
  if (isStale(series.v[i]!)) return -1;
  return i;
}

/**
 * The [lo, hi) index window of non-stale samples in `[startMs, endMs]` (closed, Prometheus 2.x) or
 * `(startMs, endMs]` when `leftOpen` (Prometheus 3).
 */
export function rangeWindow(
  series: SeriesData,
  startMs: number,
  endMs: number,
  leftOpen: boolean,
): [number, number] {
  const lo = searchTimestamps(series.rangeT, startMs, !leftOpen);
  const hi = searchTimestamps(series.rangeT, endMs, false);
  return [lo, Math.max(lo, hi)];
}
