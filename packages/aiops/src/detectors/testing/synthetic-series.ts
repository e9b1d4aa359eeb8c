/**
 * Synthetic series with one known anomaly, for detector tests: a level plus optional daily-like seasonality
 * plus Gaussian noise, with one anomaly of a chosen kind starting at a known index.
 */
import { seededRandom } from './seeded-random.js';

export const ANOMALY_KINDS = [
  'spike',
  'level-shift',
  'trend-change',
  'variance-change',
  'seasonal-break',
  'flat-line',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface SyntheticSeriesOptions {
  readonly kind: AnomalyKind;
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** Number of points (default 2000). */
  readonly length?: number;
  /** First anomalous index (default 75% of the length). */
  readonly anomalyIndex?: number;
  /** Points per seasonal cycle (default 288: a day of 5-minute samples). */
  readonly period?: number;
  /** Seasonal amplitude (default 0, except 5 for 'seasonal-break', which needs a season to break). */
  readonly seasonalAmplitude?: number;
  /** Noise standard deviation (default 1). */
  readonly noise?: number;
  /** Base level (default 10). */
  readonly level?: number;
  /** Size of the anomaly in noise standard deviations (default per kind, see below). */
  readonly magnitude?: number;
  /** Timestamp of the first point (default 2024-01-01T00:00:00Z). */
  readonly startMs?: number;
  /** Sampling interval (default 86 400 000 / period, so that one period is one day). */
  readonly stepMs?: number;
}

export interface SyntheticSeries {
  readonly kind: AnomalyKind;
  readonly timestamps: number[];
  readonly values: number[];
  readonly anomalyIndex: number;
}

/**
 * Default magnitudes in noise σ: spike +10σ (one point); level shift +6σ from the anomaly on; trend change
 * slope 0.5σ per point from the anomaly on; variance change noise × 5; seasonal break: the seasonal
 * profile flips sign (phase shift by half a period); flat-line: the value freezes at the level, noise 0.
 */
const DEFAULT_MAGNITUDE: Record<AnomalyKind, number> = {
  spike: 10,
  'level-shift': 6,
  'trend-change': 0.5,
  'variance-change': 5,
  'seasonal-break': 1,
  'flat-line': 0,
};

export function syntheticSeries(options: SyntheticSeriesOptions): SyntheticSeries {
  const { kind } = options;
  const length = options.length ?? 2000;
  const anomalyIndex = options.anomalyIndex ?? Math.floor(length * 0.75);
  const period = options.period ?? 288;
  const amplitude = options.seasonalAmplitude ?? (kind === 'seasonal-break' ? 5 : 0);
  const noise = options.noise ?? 1;
  const level = options.level ?? 10;
  const magnitude = options.magnitude ?? DEFAULT_MAGNITUDE[kind];
  const startMs = options.startMs ?? Date.UTC(2024, 0, 1);
  const stepMs = options.stepMs ?? Math.round(86_400_000 / period);
  if (!(anomalyIndex >= 0 && anomalyIndex < length)) {
    throw new RangeError(`anomalyIndex ${anomalyIndex} is outside the series [0, ${length})`);
  }
  const random = seededRandom(options.seed ?? 1);
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < length; i += 1) {
    const after = i >= anomalyIndex;
    const season = amplitude * Math.sin((2 * Math.PI * i) / period);
    const eps = noise * random.gaussian();
    let value = level + season + eps;
    if (after) {
      switch (kind) {
        case 'spike':
          if (i === anomalyIndex) value += magnitude * noise;
          break;
        case 'level-shift':
          value += magnitude * noise;
          break;
        case 'trend-change':
          value += magnitude * noise * (i - anomalyIndex + 1);
          break;
        case 'variance-change':
          value += (magnitude - 1) * eps;
          break;
        case 'seasonal-break':
          value -= 2 * magnitude * season;
          break;
        case 'flat-line':
          value = level;
          break;
      }
    }
    timestamps.push(startMs + i * stepMs);
    values.push(value);
  }
  return { kind, timestamps, values, anomalyIndex };
}

/** Scores a whole series with a fresh `update` function (e.g. `detector.update.bind(detector)`). */
export function scoreSeries(
  series: Pick<SyntheticSeries, 'timestamps' | 'values'>,
  update: (timestampMs: number, value: number) => number,
): number[] {
  return series.values.map((v, i) => update(series.timestamps[i]!, v));
}

export interface AnomalyMargin {
  /** Highest score within [anomalyIndex, anomalyIndex + window). */
  readonly inside: number;
  /** Highest score within [warmUp, anomalyIndex) and [anomalyIndex + window, end). */
  readonly outside: number;
}

/**
 * Compares the best score near the anomaly with the best score elsewhere after warm-up. A detector
 * "finds" the anomaly when `inside > outside`; the window allows for detection delay and re-adaptation.
 */
export function anomalyMargin(
  scores: readonly number[],
  anomalyIndex: number,
  options: { warmUp: number; window: number },
): AnomalyMargin {
  let inside = 0;
  let outside = 0;
  for (let i = options.warmUp; i < scores.length; i += 1) {
    const s = scores[i]!;
    if (i >= anomalyIndex && i < anomalyIndex + options.window) inside = Math.max(inside, s);
    else outside = Math.max(outside, s);
  }
  return { inside, outside };
}
