/**
 * erfc by the Chebyshev fit of Numerical Recipes (`erfcc`, fractional error < 1.2e-7): JavaScript has no erf,
 * and a fixed formula keeps scores identical on every platform. One polynomial, two forms: erfc itself, and
 * ln(erfc) evaluated in log space so that far tails never underflow.
 */

/** The fit's exponent correction for t = 1 / (1 + |x| / 2). */
function erfccPolynomial(t: number): number {
  return (
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
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** erfc(x). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z + erfccPolynomial(t));
  return x >= 0 ? r : 2 - r;
}

/** ln(erfc(x)), exact in the far tail (x = 30 gives about -904 rather than ln(0)). */
export function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const log = Math.log(t) - z * z + erfccPolynomial(t);
  // erfc(-x) = 2 - erfc(x): only the x >= 0 branch matters for tails, negative x means "not in the tail".
  return x >= 0 ? log : Math.log(2 - Math.exp(log));
}
