// Synthetic series with one known anomaly each, for the detectors' unit tests (seeded: same series every run).
import { createSeededRandom } from '@opsloop/kit';

/** The kinds of anomaly the issue asks every detector to find. */
export type AnomalyKind =
  'spike' | 'level-shift' | 'trend-change' | 'variance-change' | 'seasonal-break' | 'flat-line';

export const anomalyKinds: readonly AnomalyKind[] = [
  'spike',
  'level-shift',
  'trend-change',
  'variance-change',
  'seasonal-break',
  'flat-line',
];

export interface SyntheticSeries {
  readonly kind: AnomalyKind;
  readonly timestamps: number[];
  readonly values: number[];
  /** Index of the first anomalous point. */
  readonly anomalyStart: number;
}

export interface SyntheticOptions {
  readonly length?: number;
  readonly anomalyStart?: number;
  readonly period?: number;
  readonly seed?: number;
  readonly noise?: number;
}

/** A noisy daily-like sine (level 100, amplitude 10) with `kind` injected at `anomalyStart`. */
export function syntheticSeries(kind: AnomalyKind, options: SyntheticOptions = {}): SyntheticSeries {
  const length = options.length ?? 3000;
  const start = options.anomalyStart ?? 2000;
  const period = options.period ?? 100;
  const noise = options.noise ?? 1;
  const random = createSeededRandom(options.seed ?? 7);
  const gauss = (): number => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const timestamps: number[] = [];
  const values: number[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < length; i++) {
    const after = i >= start;
    const phase = kind === 'seasonal-break' && after ? 0 : (2 * Math.PI * i) / period;
    let v = 100 + (kind === 'seasonal-break' && after ? 0 : 10 * Math.sin(phase));
    let n = noise * gauss();
    if (after && kind === 'variance-change') n *= 6;
    v += n;
    if (kind === 'spike' && i === start) v += 40;
    if (kind === 'level-shift' && after) v += 30;
    if (kind === 'trend-change' && after) v += 0.5 * (i - start);
    if (kind === 'flat-line' && after) v = values[start - 1] ?? v;
    timestamps.push(t0 + i * 300_000);
    values.push(v);
  }
  return { kind, timestamps, values, anomalyStart: start };
}
