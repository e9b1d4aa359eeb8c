/**
 * KNN-CAD (Burnaev & Ishimtsev, arXiv:1608.04585), as NAB runs it: each point's trailing window of `dim`
 * values is a vector; its non-conformity is the sum of its distances to the `k` nearest training windows;
 * the score is the share of calibration non-conformities below it (a conformal p-value turned around).
 *
 * Windows are consecutive, so training and calibration sets are kept as one run of raw values (at most
 * 2·period of them) instead of vectors: memory and per-point cost are bounded by `period`, a fixed
 * hyper-parameter standing in for NAB's per-file probationary period.
 */
import { choleskyLower, forwardSolve, gram } from './cholesky.js';
import { sumOfSmallest } from './smallest-sum.js';

export interface KnnCadParams {
  /** Training / calibration length (NAB: the probationary period). */
  readonly period: number;
  readonly k: number;
  readonly dim: number;
  /** A p-value at or above this raises an alarm, after which scores are 0.5 for period/5 points. */
  readonly alarmLevel: number;
}

export interface KnnCadState {
  /** Points seen (the original's record_count). */
  records: number;
  /** Raw values from the start of the oldest training window (absolute index `valuesStart`). */
  values: number[];
  valuesStart: number;
  /** Absolute index of the last value of the oldest training window; training windows are contiguous. */
  trainStart: number;
  trainCount: number;
  /** Non-conformity scores of the calibration set (oldest first). */
  scores: number[];
  /** Points left in the post-alarm quiet period. */
  quiet: number;
  /** Lower Cholesky factor of XᵀX (row-major), or null for the identity metric. */
  chol: number[] | null;
}

export function emptyKnnCadState(): KnnCadState {
  return {
    records: 0,
    values: [],
    valuesStart: 0,
    trainStart: -1,
    trainCount: 0,
    scores: [],
    quiet: 0,
    chol: null,
  };
}

export class KnnCadEngine {
  private chol: Float64Array | null;
  /** Training windows mapped through L⁻¹ (derived from the state, rebuilt on restore). */
  private mapped: Float64Array[] = [];
  private readonly distances: Float64Array;
  private readonly scratch: Float64Array;
  private readonly window: Float64Array;

  constructor(
    readonly params: KnnCadParams,
    readonly state: KnnCadState,
  ) {
    this.chol = state.chol ? Float64Array.from(state.chol) : null;
    this.distances = new Float64Array(params.period);
    this.scratch = new Float64Array(params.k + 1);
    this.window = new Float64Array(params.dim);
    if (state.scores.length > 0) this.remapTraining();
  }

  score(value: number): number {
    const { period, dim, k } = this.params;
    const s = this.state;
    s.values.push(value);
    s.records += 1;
    const r = s.records;
    const end = r - 1;
    if (r < dim) return 0;
    if (r < period) {
      if (s.trainCount === 0) s.trainStart = end;
      s.trainCount += 1;
      return 0;
    }
    const phase = r % period;
    if (phase === 0 || phase === Math.trunc(period / 2)) this.updateMetric();
    if (s.scores.length === 0) {
      if (this.mapped.length !== s.trainCount) this.remapTraining();
      s.scores = this.mapped.map((m) => this.nonConformity(m, k + 1));
    }
    const item = this.mapWindow(end);
    const newScore = this.nonConformity(item, k);
    let below = 0;
    for (const old of s.scores) if (old < newScore) below += 1;
    const result = below / s.scores.length;

    if (r >= 2 * period) {
      // The oldest calibration window becomes the newest training window.
      s.trainStart += 1;
      this.mapped.shift();
      this.mapped.push(this.mapWindow(s.trainStart + s.trainCount - 1));
      this.trimValues();
    }
    s.scores.shift();
    s.scores.push(newScore);

    if (s.quiet > 0) {
      s.quiet -= 1;
      return 0.5;
    }
    if (result >= this.params.alarmLevel) s.quiet = Math.trunc(period / 5);
    return result;
  }

  private updateMetric(): void {
    const s = this.state;
    const rows: Float64Array[] = [];
    for (let i = 0; i < s.trainCount; i++) rows.push(Float64Array.from(this.windowAt(s.trainStart + i)));
    const l = choleskyLower(gram(rows, this.params.dim), this.params.dim);
    if (!l) return;
    this.chol = l;
    s.chol = Array.from(l);
    this.remapTraining();
  }

  private remapTraining(): void {
    const s = this.state;
    this.mapped = [];
    for (let i = 0; i < s.trainCount; i++) this.mapped.push(this.mapWindow(s.trainStart + i));
  }

  private nonConformity(item: Float64Array, k: number): number {
    const dim = this.params.dim;
    const n = this.mapped.length;
    for (let t = 0; t < n; t++) {
      const m = this.mapped[t]!;
      let d = 0;
      for (let i = 0; i < dim; i++) {
        const diff = item[i]! - m[i]!;
        d += diff * diff;
      }
      this.distances[t] = d;
    }
    return sumOfSmallest(this.distances, n, k, this.scratch);
  }

  private windowAt(end: number): Float64Array {
    const dim = this.params.dim;
    const from = end - dim + 1 - this.state.valuesStart;
    for (let i = 0; i < dim; i++) this.window[i] = this.state.values[from + i]!;
    return this.window;
  }

  private mapWindow(end: number): Float64Array {
    const out = new Float64Array(this.params.dim);
    forwardSolve(this.chol, this.windowAt(end), this.params.dim, out);
    return out;
  }

  private trimValues(): void {
    const s = this.state;
    const keepFrom = s.trainStart - this.params.dim + 1;
    const drop = keepFrom - s.valuesStart;
    // Trim in batches: one splice per `period` points keeps the per-point cost O(1) amortised.
    if (drop >= this.params.period) {
      s.values.splice(0, drop);
      s.valuesStart = keepFrom;
    }
  }
}
