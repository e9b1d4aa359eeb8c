// The acceptance threshold of the goodness-of-fit test: the chi-square point with the given upper-tail
// probability. Only even degrees of freedom are needed (bins - 1 with an odd bin count), where the survival
// function has a closed form, so no special-function library is needed.

/** P(X > x) for X ~ chi-square with `df` (even) degrees of freedom. */
export function chiSquareSurvivalEvenDf(x: number, df: number): number {
  if (df <= 0 || df % 2 !== 0)
    throw new RangeError(`chi-square: df must be a positive even integer, got ${df}`);
  if (x <= 0) return 1;
  const half = x / 2;
  let term = 1;
  let sum = 1;
  for (let i = 1; i < df / 2; i++) {
    term *= half / i;
    sum += term;
  }
  return Math.exp(-half) * sum;
}

/** The x with P(X > x) = `tail` (bisection: the survival function is monotone). */
export function chiSquareInverseSurvivalEvenDf(tail: number, df: number): number {
  if (!(tail > 0 && tail < 1)) throw new RangeError(`chi-square: tail must be in (0, 1), got ${tail}`);
  let lo = 0;
  let hi = 1;
  while (chiSquareSurvivalEvenDf(hi, df) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSurvivalEvenDf(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
