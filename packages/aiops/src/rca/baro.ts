/**
 * BARO's robust change score for a short metric window: how far the window's level after an onset is from
 * its level before, in robust standard deviations (median and inter-quartile range of the points before:
 * outliers in the normal period do not inflate the scale, as they would a standard deviation).
 */
import type { SeriesPoint } from './rca-types.js';

/** A level shift found in a window. */
export interface RobustShift {
  /** Robust z-score of the 90th percentile after the onset (positive: up). */
  readonly z: number;
  /** The first point after the onset past the threshold, or the onset. */
  readonly onsetMs: number;
  readonly before: number;
  readonly after: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The upward shift of `points` at `onsetMs` (points before it are the normal period; at least 4 on each
 * side, else undefined); `threshold` is the z from which the first crossing is the shift's onset.
 */
export function robustShift(
  points: readonly SeriesPoint[],
  onsetMs: number,
  threshold: number,
): RobustShift | undefined {
  const finite = points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t));
  const pre = finite
    .filter((p) => p.t < onsetMs)
    .map((p) => p.v)
    .sort((a, b) => a - b);
  const postPoints = finite.filter((p) => p.t >= onsetMs).sort((a, b) => a.t - b.t);
  if (pre.length < 4 || postPoints.length < 4) return undefined;
  const post = postPoints.map((p) => p.v).sort((a, b) => a - b);
  const median = quantile(pre, 0.5);
  const iqr = quantile(pre, 0.75) - quantile(pre, 0.25);
  // A flat normal period has no spread: fall back to a small share of its level, as the band does.
  const scale = Math.max(iqr / 1.349, Math.abs(median) * 0.05, 1e-9);
  const after = quantile(post, 0.9);
  const z = (after - median) / scale;
  const crossing = postPoints.find((p) => (p.v - median) / scale >= threshold);
  return { z, onsetMs: crossing?.t ?? onsetMs, before: median, after };
}
