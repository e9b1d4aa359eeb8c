// Port of nabscore.py's main(): NAB's `run.py --optimize --score --normalize` for one detector.
import type { NabLabels } from './nab-corpus.js';
import { NabPointsBuilder, NAB_PROBATION_PERCENT } from './nab-sweep.js';
import { optimiseThreshold, scoreAtThreshold, type NabThresholdScore } from './nab-threshold.js';

/** One profile's result. */
export interface NabProfileScore extends NabThresholdScore {
  /** The raw score with no detection at all. */
  readonly nullRaw: number;
  /** windows × tpWeight. */
  readonly perfectRaw: number;
  /** 100 · (raw − null) / (perfect − null): NAB's published figure. */
  readonly normalized: number;
}

/** A detector's NAB scores. */
export interface NabReport {
  readonly detector: string;
  readonly fileCount: number;
  readonly windowCount: number;
  /** Profile name → score, in NAB's order (standard, reward_low_FP_rate, reward_low_FN_rate). */
  readonly profiles: Readonly<Record<string, NabProfileScore>>;
}

/** How thresholds are chosen, and the probation share. */
export interface ScoreNabOptions {
  readonly detector?: string;
  /** One fixed threshold for every profile instead of the corpus-wide optimisation. */
  readonly threshold?: number;
  /** A fixed threshold per profile (like NAB's config/thresholds.json). */
  readonly thresholds?: Readonly<Record<string, number>>;
  readonly probationPercent?: number;
}

/** Anomaly scores (one per data row, same order) of every file, by `category/file.csv`. */
export type NabScores = ReadonlyMap<string, ArrayLike<number>>;

/** Scores a detector's output over the corpus exactly as the reference scorer does. */
export function scoreNab(labels: NabLabels, scores: NabScores, options: ScoreNabOptions = {}): NabReport {
  const probation = options.probationPercent ?? NAB_PROBATION_PERCENT;
  const profiles: Record<string, NabProfileScore> = {};
  for (const [name, cost] of labels.profiles) {
    const builder = new NabPointsBuilder();
    for (const file of labels.files) {
      const fileScores = scores.get(file.path);
      if (fileScores === undefined) throw new Error(`no anomaly scores for ${file.path}`);
      builder.addFile(file, fileScores, cost, probation);
    }
    const points = builder.build();
    const fixed = options.thresholds?.[name] ?? options.threshold;
    const threshold = fixed ?? optimiseThreshold(points, cost);
    const score = scoreAtThreshold(points, cost, threshold);
    const nullRaw = scoreAtThreshold(points, cost, Infinity).raw;
    const perfectRaw = labels.windowCount * cost.tpWeight;
    profiles[name] = {
      ...score,
      nullRaw,
      perfectRaw,
      normalized: (100.0 * (score.raw - nullRaw)) / (perfectRaw - nullRaw),
    };
  }
  return {
    detector: options.detector ?? 'detector',
    fileCount: labels.files.length,
    windowCount: labels.windowCount,
    profiles,
  };
}
