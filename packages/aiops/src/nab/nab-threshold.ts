// Port of nab/optimizer.py + Sweeper.calcScoreByThreshold / score_at in nabscore.py. Sums run in the
// reference's order (Python 3.11's sum() is a plain left-to-right loop) so that ties between thresholds
// break the same way.
import type { NabPoints } from './nab-sweep.js';
import type { NabCostMatrix } from './nab-profiles.js';

/** The corpus score at one threshold (a point is a detection iff its anomaly score ≥ threshold). */
export interface NabThresholdScore {
  readonly threshold: number;
  readonly raw: number;
  readonly tpPoints: number;
  readonly tnPoints: number;
  readonly fpPoints: number;
  readonly fnPoints: number;
  /** Windows whose best detection earned a positive weight. */
  readonly windowsDetected: number;
  /** Windows with at least one scored row. */
  readonly windowsScored: number;
}

function sumInOrder(values: Float64Array, order: readonly number[]): number {
  let total = 0;
  for (const id of order) total += values[id]!;
  return total;
}

function maxWindowId(points: NabPoints): number {
  let max = -1;
  for (const id of points.windowIds) if (id > max) max = id;
  return max;
}

/**
 * The threshold maximising the corpus score over every distinct anomaly score and 1.1 (the highest one
 * when several give the same score), as NAB's optimizer picks it.
 */
export function optimiseThreshold(points: NabPoints, cost: NabCostMatrix): number {
  const { anomalyScores, weights, windowIds } = points;
  const n = anomalyScores.length;
  // A stable descending sort, like Python's sorted(..., reverse=True).
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => anomalyScores[b]! - anomalyScores[a]! || a - b);
  const best = new Float64Array(maxWindowId(points) + 1);
  const seen = new Uint8Array(best.length);
  const windowOrder: number[] = [];
  for (const i of order) {
    const id = windowIds[i]!;
    if (id >= 0 && seen[id] === 0) {
      seen[id] = 1;
      windowOrder.push(id);
    }
  }
  for (const id of windowOrder) best[id] = -cost.fnWeight;
  let fpSum = 0.0;
  let currentThreshold = 1.1;
  let bestThreshold = NaN;
  let bestScore = -Infinity;
  const consider = (threshold: number): void => {
    const score = fpSum + sumInOrder(best, windowOrder);
    if (score > bestScore) {
      bestScore = score;
      bestThreshold = threshold;
    }
  };
  for (const i of order) {
    const a = anomalyScores[i]!;
    if (a !== currentThreshold) {
      consider(currentThreshold);
      currentThreshold = a;
    }
    const id = windowIds[i]!;
    if (id >= 0) {
      if (weights[i]! > best[id]!) best[id] = weights[i]!;
    } else {
      fpSum += weights[i]!;
    }
  }
  consider(currentThreshold);
  return bestThreshold;
}

/** The corpus score when every point scoring ≥ threshold is a detection. */
export function scoreAtThreshold(
  points: NabPoints,
  cost: NabCostMatrix,
  threshold: number,
): NabThresholdScore {
  const { anomalyScores, weights, windowIds } = points;
  const best = new Float64Array(maxWindowId(points) + 1);
  const seen = new Uint8Array(best.length);
  const windowOrder: number[] = [];
  let fpSum = 0.0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < anomalyScores.length; i += 1) {
    const detected = anomalyScores[i]! >= threshold;
    const id = windowIds[i]!;
    if (id >= 0) {
      if (seen[id] === 0) {
        seen[id] = 1;
        windowOrder.push(id);
        best[id] = -cost.fnWeight;
      }
      if (detected) {
        tp += 1;
        best[id] = Math.max(best[id]!, weights[i]!);
      } else {
        fn += 1;
      }
    } else if (detected) {
      fp += 1;
      fpSum += weights[i]!;
    } else {
      tn += 1;
    }
  }
  return {
    threshold,
    raw: fpSum + sumInOrder(best, windowOrder),
    tpPoints: tp,
    tnPoints: tn,
    fpPoints: fp,
    fnPoints: fn,
    windowsDetected: windowOrder.filter((id) => best[id]! > 0).length,
    windowsScored: windowOrder.length,
  };
}
