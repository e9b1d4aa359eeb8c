/**
 * Synthetic series with one known anomaly each, for detector tests: a noisy daily-like cycle with the anomaly
 * injected at `anomalyAt`. Seeded, so every run sees the same numbers.
 */
export type AnomalyKind =
  'spike' | 'level-shift' | 'trend-change' | 'variance-change' | 'seasonal-break' | 'flat-line';

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'spike',
  'level-shift',
  'trend-change',
  'variance-change',
  'seasonal-break',
  'flat-line',
];

export interface SyntheticSeries {
  readonly values: number[];
  readonly anomalyAt: number;
}

/** mulberry32: a tiny deterministic PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticSeries(
  kind: AnomalyKind,
  options: { length?: number; anomalyAt?: number; period?: number; seed?: number } = {},
): SyntheticSeries {
  const length = options.length ?? 3000;
  const anomalyAt = options.anomalyAt ?? 2000;
  const period = options.period ?? 48;
  const random = seededRandom(options.seed ?? 7);
  const values: number[] = [];
  for (let i = 0; i < length; i++) {
    const after = i >= anomalyAt;
    const phase = (2 * Math.PI * i) / period;
    let cycle = 10 * Math.sin(phase);
    let noise = (random() - 0.5) * 1;
    let level = 50;
    if (after) {
      if (kind === 'level-shift') level += 25;
      if (kind === 'trend-change') level += 0.5 * (i - anomalyAt);
      if (kind === 'variance-change') noise *= 30;
      if (kind === 'seasonal-break') cycle = 10 * Math.sin(phase * 3);
    }
    let value = level + cycle + noise;
    if (kind === 'spike' && i === anomalyAt) value += 40;
    if (kind === 'flat-line' && after) value = values[anomalyAt - 1] ?? level;
    values.push(value);
  }
  return { values, anomalyAt };
}
