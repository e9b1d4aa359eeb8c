import { erfc } from '../math/erfc.js';

/** Probability that a normal value lies further from the mean than `z` standard deviations, on either side. */
export function twoSidedTail(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}
