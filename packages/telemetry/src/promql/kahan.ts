/**
 * Neumaier-compensated summation, as Prometheus's `kahanSumInc`: the running sum and its compensation are
 * kept in a two-slot accumulator so the hot loops allocate nothing.
 */

/** [sum, compensation]. */
export type KahanAccumulator = [number, number];

/** Adds `inc` to the accumulator in place. */
export function kahanAdd(acc: KahanAccumulator, inc: number): void {
  const sum = acc[0];
  const t = sum + inc;
  // Swap roles when the next term is larger than the sum (Neumaier's improvement).
  if (Math.abs(sum) >= Math.abs(inc)) acc[1] += sum - t + inc;
  else acc[1] += inc - t + sum;
  acc[0] = t;
}

/**
 * Prometheus's `quantile`: linear interpolation between the two closest ranks of the sorted values (NaN
 * sorts first), NaN for no values, ±Inf for q outside [0, 1].
 */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}
