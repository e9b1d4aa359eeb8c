// Port of nab/sweeper.py (through nabscore.py's sweep_points): every scored row gets the weight a detection
// there would earn. The arithmetic keeps the reference's operation order so that sums match bit for bit.
import type { NabLabelledFile } from './nab-corpus.js';
import type { NabCostMatrix } from './nab-profiles.js';

/** NAB's probation share of each file (rows before it are never scored). */
export const NAB_PROBATION_PERCENT = 0.15;

/** 2·sigmoid(−5y) − 1, and −1 when y > 3 (a false positive far after a window costs the full weight). */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3.0) return -1.0;
  return 2.0 * (1.0 / (1.0 + Math.exp(-(-5.0 * relativePosition)))) - 1.0;
}

/** Rows at the start of a file that are not scored: min(floor(p·rows), p·5000). */
export function probationaryLength(rowCount: number, probationPercent = NAB_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rowCount), probationPercent * 5000);
}

/** The scored rows of the corpus, in file then row order: anomaly score, weight, window id (−1: none). */
export interface NabPoints {
  readonly anomalyScores: Float64Array;
  readonly weights: Float64Array;
  readonly windowIds: Int32Array;
}

/** Collects points file by file; window ids are unique over the corpus. */
export class NabPointsBuilder {
  #scores: number[] = [];
  #weights: number[] = [];
  #windows: number[] = [];
  #nextWindowId = 0;

  /** Sweeps one file (its anomaly scores, one per data row) under a cost matrix. */
  addFile(
    file: NabLabelledFile,
    anomalyScores: ArrayLike<number>,
    cost: NabCostMatrix,
    probationPercent = NAB_PROBATION_PERCENT,
  ): void {
    if (anomalyScores.length !== file.rowCount) {
      throw new Error(`${file.path}: ${anomalyScores.length} anomaly scores for ${file.rowCount} rows`);
    }
    const maxTp = scaledSigmoid(-1.0);
    const probation = probationaryLength(file.rowCount, probationPercent);
    // The reference names a window "<file>|<left>": windows sharing a left edge share a name.
    const idByLeft = new Map<number, number>();
    let next = 0;
    let current: { id: number; right: number; width: number } | undefined;
    let prevRight: number | undefined;
    let prevWidth = 0;
    for (let i = 0; i < file.rowCount; i += 1) {
      const head = file.windows[next];
      if (head !== undefined && i === head.left) {
        next += 1;
        let id = idByLeft.get(head.left);
        if (id === undefined) {
          id = this.#nextWindowId;
          this.#nextWindowId += 1;
          idByLeft.set(head.left, id);
        }
        current = { id, right: head.right, width: head.right - head.left + 1 };
      }
      let weighted: number;
      if (current !== undefined) {
        const position = -(current.right - i + 1) / current.width;
        weighted = (scaledSigmoid(position) * cost.tpWeight) / maxTp;
      } else {
        const unweighted =
          prevRight === undefined ? -1.0 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
        weighted = unweighted * cost.fpWeight;
      }
      if (i >= probation) {
        const score = anomalyScores[i]!;
        if (Number.isNaN(score)) throw new Error(`${file.path}: row ${i + 1}: anomaly score is NaN`);
        this.#scores.push(score);
        this.#weights.push(weighted);
        this.#windows.push(current === undefined ? -1 : current.id);
      }
      if (current !== undefined && i === current.right) {
        prevRight = i;
        prevWidth = current.width;
        current = undefined;
      }
    }
  }

  build(): NabPoints {
    return {
      anomalyScores: Float64Array.from(this.#scores),
      weights: Float64Array.from(this.#weights),
      windowIds: Int32Array.from(this.#windows),
    };
  }
}
