/**
 * The value range used to scale the series into [0,1]. NAB tells the detector each file's min and max; live
 * series do not, so ARTime's probation batch (which the original learns in one go anyway) is buffered raw,
 * and its range, widened by a margin, becomes the scale. Afterwards the range only grows, to the value
 * that exceeded it (as a known max would have placed it at 1), so the scale never needs the future.
 */
export interface SeriesRange {
  lo: number;
  hi: number;
  /** Given up front (NAB) — then it never changes. */
  known: boolean;
}

export function knownRange(min: number | undefined, max: number | undefined): SeriesRange | undefined {
  if (min === undefined || max === undefined) return undefined;
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return undefined;
  return { lo: min, hi: max, known: true };
}

export function rangeFromProbation(values: readonly number[], margin: number): SeriesRange {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = (hi - lo) * margin;
  return { lo: lo - pad, hi: hi + pad, known: false };
}

/** Scales `value` into [0,1] (0 for a zero-width range, as the original does); a live range grows first. */
export function scaleInto(range: SeriesRange, value: number): number {
  if (!range.known) {
    if (value > range.hi) range.hi = value;
    if (value < range.lo) range.lo = value;
  }
  const span = range.hi - range.lo;
  const shifted = value - range.lo;
  return span !== 0 ? shifted / span : shifted;
}
