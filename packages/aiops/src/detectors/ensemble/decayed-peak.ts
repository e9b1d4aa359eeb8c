/**
 * A peak that fades: the largest recent value, halving every `halfLifePoints` points. One number of state
 * instead of a window, so "did this member fire lately?" costs O(1) time and memory per point.
 */
export function decayFactor(halfLifePoints: number): number {
  if (!(halfLifePoints > 0) || !Number.isFinite(halfLifePoints)) {
    throw new RangeError(`half-life must be a positive finite number of points, got ${halfLifePoints}`);
  }
  return 2 ** (-1 / halfLifePoints);
}

/** The next peak after seeing `value`: the old peak decayed by `factor`, or `value` if larger. */
export function nextPeak(peak: number, value: number, factor: number): number {
  const decayed = peak * factor;
  return value > decayed ? value : decayed;
}
