// Turns a raw distance into a score comparable across series, in the spirit of NAB's anomaly likelihood: how
// far the average of the last few distances lies in the upper tail of the distances this series has produced
// (exponentially weighted mean and variance, Gaussian tail). A raw distance means different things on a
// smooth and on a noisy series; its rank against the series' own past does not.

export interface SurpriseParams {
  /** Distances remembered by the long-run mean and variance (exponential weighting). */
  readonly memory: number;
  /** Distances averaged before comparison (damps single noisy ones). */
  readonly recent: number;
  /** Distances learnt before any is scored. */
  readonly warmup: number;
}

export interface SurpriseState {
  n: number;
  mean: number;
  variance: number;
  recent: number[];
}

export function emptySurprise(): SurpriseState {
  return { n: 0, mean: 0, variance: 0, recent: [] };
}

/** Scores `x` (1 − twice the upper-tail probability of the recent average), then learns it. */
export function surprise(state: SurpriseState, x: number, params: SurpriseParams): number {
  state.recent.push(x);
  if (state.recent.length > params.recent) state.recent.shift();
  let score = 0;
  if (state.n >= params.warmup) {
    const average = state.recent.reduce((a, b) => a + b, 0) / state.recent.length;
    // Overlapping subsequences make neighbouring distances strongly correlated, so the average is compared
    // with the spread of single distances; the floor keeps a long constant run from making any change
    // infinitely surprising.
    const sd = Math.sqrt(state.variance) + 1e-6;
    // Only the upper tail is news: a distance at or below the usual one scores 0.
    // Rounding-level differences (a constant input) are not news either.
    const excess = average - state.mean;
    score = excess > 1e-9 * Math.abs(state.mean) ? Math.max(0, 2 * normalCdf(excess / sd) - 1) : 0;
  }
  state.n++;
  const weight = Math.max(1 / state.n, 1 / params.memory);
  const delta = x - state.mean;
  state.mean += weight * delta;
  state.variance = (1 - weight) * (state.variance + weight * delta * delta);
  return score;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 on erf, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
