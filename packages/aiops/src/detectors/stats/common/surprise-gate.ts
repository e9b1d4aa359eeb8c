/**
 * Re-alert suppression: a point scores only by how much its raw surprise exceeds the (decaying) peak of
 * recent raw surprises. A lone outlier keeps its score; the tenth outlier of a noisy burst, a series
 * whose tails are heavier than Gaussian, or a detector still re-adapting after a change score little.
 * NAB (and an on-call human) counts every repeated alarm outside an anomaly window as a false positive.
 */

/** Points for the remembered peak to halve. */
const HALF_LIFE_POINTS = 250;
const DECAY = Math.pow(0.5, 1 / HALF_LIFE_POINTS);

/** Returns the gated score and the next peak. */
export function gateSurprise(raw: number, peak: number): { score: number; peak: number } {
  const decayed = peak * DECAY;
  return { score: Math.max(0, raw - decayed), peak: Math.max(raw, decayed) };
}
