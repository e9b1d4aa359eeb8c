/** Values flowing between evaluator nodes during one evaluation step. */
import type { Labels } from '../model/labels.js';

/** One element of an instant vector. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * One series of a range vector at one step: its points are `t[lo..hi)` / `v[lo..hi)` (stale markers already
 * removed), oldest first.
 */
export interface RangeSeries {
  readonly labels: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly lo: number;
  readonly hi: number;
}

/** Where a range vector's window sits, which `rate` and friends extrapolate to. */
export interface RangeWindow {
  /** Window end: evaluation time (or `@` time) minus offset, in ms. */
  readonly endMs: number;
  readonly rangeMs: number;
}
