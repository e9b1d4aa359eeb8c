/**
 * Maps a standardised deviation to an anomaly score through its Gaussian two-sided tail probability.
 * The mapping is logarithmic in the tail probability so that z = 6 and z = 30 stay distinguishable
 * (1 - p saturates in floating point near z = 8, which would hide the difference between a
 * moderately and a wildly surprising point from the corpus-wide threshold and from ensembles).
 */

/** A tail probability this small (or smaller) scores 1: about z = 9.3. */
const LOG10_P_AT_SCORE_ONE = 20;

/**
 * ln(erfc(x)) for x >= 0, from the Chebyshev-fitted form of erfc (Numerical Recipes `erfcc`, relative
 * error < 1.2e-7) evaluated in log space so that it never underflows.
 */
export function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const log = Math.log(t) - z * z + poly;
  // erfc(-x) = 2 - erfc(x): only the x >= 0 branch matters for tails, negative x means "not in the tail".
  return x >= 0 ? log : Math.log(2 - Math.exp(log));
}

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
