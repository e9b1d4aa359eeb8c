/**
 * The few tests canary analysis needs, written out because they are the product: a one-sided Fisher exact
 * test for "more errors" and a one-sided Mann–Whitney U test for "slower", on histogram buckets.
 */

/** Standard normal CDF Φ(z) (Abramowitz & Stegun 7.1.26 via erf; absolute error < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = 0.99999999999980993;
  const t = y + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * One-sided Fisher exact test that group B's failure proportion is greater than group A's: the probability,
 * with the margins fixed, of B having at least `failuresB` of all failures. Exact at any sample size, so a
 * canary with 3 requests is neither condemned nor cleared by a normal approximation.
 */
export function fisherGreaterPValue(
  failuresA: number,
  totalA: number,
  failuresB: number,
  totalB: number,
): number {
  checkCounts(failuresA, totalA);
  checkCounts(failuresB, totalB);
  const failures = failuresA + failuresB;
  const total = totalA + totalB;
  // At or below the least B can have, every table is at least as extreme.
  if (failuresB <= Math.max(0, totalB - (total - failures))) return 1;
  // Hypergeometric: B draws totalB of `total`, `failures` of which are failures.
  const max = Math.min(failures, totalB);
  const logDenominator = logChoose(total, totalB);
  let p = 0;
  for (let k = failuresB; k <= max; k++) {
    p += Math.exp(logChoose(failures, k) + logChoose(total - failures, totalB - k) - logDenominator);
  }
  return Math.min(1, p);
}

function checkCounts(failures: number, total: number): void {
  if (!Number.isInteger(failures) || !Number.isInteger(total) || failures < 0 || failures > total)
    throw new RangeError(`expected whole counts with 0 ≤ failures ≤ total, got ${failures} of ${total}`);
}

/** Counts per bin, bins in increasing order of value (e.g. the increases of histogram buckets). */
export type BinnedCounts = readonly number[];

/** Result of {@link mannWhitneyGreater}. */
export interface MannWhitneyResult {
  /** U of group B: pairs (b, a) with b > a, ties counting one half. */
  u: number;
  /** P(b > a) + P(b = a) / 2 estimated from the samples: 0.5 means no shift. */
  effect: number;
  /** One-sided p-value of "B tends to be larger than A" (normal approximation with tie correction). */
  pValue: number;
}

/**
 * One-sided Mann–Whitney U test that values of B tend to exceed values of A, on binned data: every value in
 * a bin ties with the others of that bin (mid-ranks), which is what a latency histogram can tell. Kayenta,
 * Netflix's canary judge, compares metric distributions the same way.
 */
export function mannWhitneyGreater(a: BinnedCounts, b: BinnedCounts): MannWhitneyResult {
  if (a.length !== b.length) throw new RangeError('both groups need the same bins');
  let nA = 0;
  let nB = 0;
  for (let i = 0; i < a.length; i++) {
    if (!(a[i]! >= 0) || !(b[i]! >= 0)) throw new RangeError('bin counts must be ≥ 0');
    nA += a[i]!;
    nB += b[i]!;
  }
  if (nA === 0 || nB === 0) return { u: 0, effect: 0.5, pValue: 1 };
  let u = 0;
  let belowA = 0;
  let tieTerm = 0;
  for (let i = 0; i < a.length; i++) {
    u += b[i]! * (belowA + a[i]! / 2);
    belowA += a[i]!;
    const t = a[i]! + b[i]!;
    tieTerm += t * t * t - t;
  }
  const n = nA + nB;
  const mean = (nA * nB) / 2;
  const variance = ((nA * nB) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const effect = u / (nA * nB);
  if (!(variance > 0)) return { u, effect, pValue: u > mean ? 0 : 1 };
  // Continuity correction of a half, towards the mean.
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, effect, pValue: 1 - normalCdf(z) };
}
