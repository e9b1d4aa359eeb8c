// Data shaping for time charts, kept apart from uPlot (which needs a canvas) so it can be tested.
import type { MatrixSeries } from '../api/types.js';

/** A point: time in seconds since the epoch, and a value (null for a gap). */
export type Point = [t: number, value: number | null];

export interface ChartSeries {
  label: string;
  points: readonly Point[];
}

export type MarkerKind = 'deploy' | 'flag' | 'scale' | 'rollout' | 'chaos' | 'anomaly' | 'other';

/** A vertical line at a moment, with its words. */
export interface ChartMarker {
  at: number;
  label: string;
  kind: MarkerKind;
}

/**
 * Several series on one x array (uPlot's data layout). At an x a series has no point at, its value is
 * `undefined` (uPlot joins the line across it); a real gap in a series is `null` (uPlot breaks the line).
 */
export interface AlignedData {
  xs: number[];
  ys: (number | null | undefined)[][];
}

/**
 * Aligns series to the sorted union of their times. A series sampled at other times than the others (an
 * overlay) is not broken by their points; its own gaps and non-finite values stay gaps.
 */
export function alignSeries(series: readonly { points: readonly Point[] }[]): AlignedData {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.points) if (Number.isFinite(t)) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const column: (number | null | undefined)[] = new Array<number | null | undefined>(xs.length).fill(
      undefined,
    );
    for (const [t, value] of s.points) {
      const at = index.get(t);
      if (at !== undefined) column[at] = value !== null && Number.isFinite(value) ? value : null;
    }
    return column;
  });
  return { xs, ys };
}

/**
 * Puts a null point where a series skips more than `maxGap` seconds, so a line is not drawn across a gap
 * that no other series fills.
 */
export function withGaps(points: readonly Point[], maxGap: number): Point[] {
  const out: Point[] = [];
  for (const point of points) {
    const previous = out.at(-1);
    if (previous !== undefined && point[0] - previous[0] > maxGap) out.push([previous[0] + maxGap / 2, null]);
    out.push(point);
  }
  return out;
}

/** The points of one Prometheus range series; `NaN`, `±Inf` and unparsable values become gaps. */
export function pointsOfMatrix(values: readonly [number, string][]): Point[] {
  return values.map(([t, text]) => {
    const value = Number(text);
    return [t, text.trim() !== '' && Number.isFinite(value) ? value : null];
  });
}

/** The label of a series: its distinguishing labels, else `fallback`. */
export function labelOfSeries(metric: Record<string, string>, fallback: string): string {
  const parts = Object.entries(metric)
    .filter(([name]) => name !== '__name__' && name !== 'service')
    .map(([name, value]) => `${name}=${value}`);
  return parts.length === 0 ? fallback : `${fallback} {${parts.join(', ')}}`;
}

/** The chart series of a range answer. */
export function seriesOfMatrix(result: readonly MatrixSeries[], title: string, step: number): ChartSeries[] {
  return result.map((s) => ({
    label: labelOfSeries(s.metric, title),
    points: withGaps(pointsOfMatrix(s.values), step * 2.5),
  }));
}

/** The step (whole seconds) giving about `points` points over `rangeSeconds`. */
export function stepFor(rangeSeconds: number, points = 240): number {
  if (!(rangeSeconds > 0) || !(points > 0)) throw new RangeError('range and points must be positive');
  return Math.max(1, Math.ceil(rangeSeconds / points));
}

/** The markers inside [from, to], in time order. */
export function markersIn(markers: readonly ChartMarker[], from: number, to: number): ChartMarker[] {
  return markers.filter((m) => m.at >= from && m.at <= to).sort((a, b) => a.at - b.at);
}

/** The last non-null value of a series (for the legend). */
export function lastValue(points: readonly Point[]): number | null {
  for (let i = points.length - 1; i >= 0; i -= 1) {
    const value = points[i]?.[1];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}
