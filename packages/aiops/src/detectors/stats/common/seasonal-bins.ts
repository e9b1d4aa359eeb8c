/**
 * Calendar seasonality by time of period: a point's bin is its phase within the period (day, week), so
 * gaps and irregular sampling land in the right bin. The bin count follows the sampling interval, capped
 * to bound memory (a day of 5-minute samples keeps every sample, a week of them gets 35-minute bins).
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Upper bound on bins per period (memory: a few numbers per bin). */
export const MAX_BINS = 288;
/** A period needs at least this many samples per cycle to be worth modelling. */
export const MIN_BINS = 8;

/** Bins for `periodMs` at `intervalMs` sampling, or 0 when the period is too short for that sampling. */
export function binsFor(periodMs: number, intervalMs: number): number {
  if (!(intervalMs > 0)) return 0;
  const perCycle = Math.round(periodMs / intervalMs);
  if (perCycle < MIN_BINS) return 0;
  return Math.min(MAX_BINS, perCycle);
}

/** The bin of `timestampMs` among `bins` bins of `periodMs` (UTC phase). */
export function binOf(timestampMs: number, periodMs: number, bins: number): number {
  const phase = (((timestampMs % periodMs) + periodMs) % periodMs) / periodMs;
  return Math.min(bins - 1, Math.floor(phase * bins));
}
