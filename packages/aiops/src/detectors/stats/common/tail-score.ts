/**
 * Maps a standardised deviation to an anomaly score through its Gaussian two-sided tail probability.
 * The mapping is logarithmic in the tail probability so that z = 6 and z = 30 stay distinguishable
 * (1 - p saturates in floating point near z = 8, which would hide the difference between a
 * moderately and a wildly surprising point from the corpus-wide threshold and from ensembles).
 */

import { logErfc } from '../../math/erfc.js';

/** A tail probability this small (or smaller) scores 1: about z = 9.3. */
const LOG10_P_AT_SCORE_ONE = 20;

/** ln of the two-sided Gaussian tail probability P(|Z| >= |z|). */
export function logTwoSidedTail(z: number): number {
  return logErfc(Math.abs(z) / Math.SQRT2);
}

/** Score in [0, 1] of a standardised deviation: 0 up to |z| ~ 0, 1 from |z| ~ 9.3 on. */
export function tailScore(z: number): number {
  if (Number.isNaN(z)) return 0;
  const log10p = logTwoSidedTail(z) / Math.LN10;
  const score = -log10p / LOG10_P_AT_SCORE_ONE;
  return score > 0 ? (score < 1 ? score : 1) : 0;
}
