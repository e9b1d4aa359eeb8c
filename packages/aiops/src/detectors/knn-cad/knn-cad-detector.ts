/**
 * The KNN-CAD detector behind the port. Hyper-parameters are NAB's (k = 27, windows of 19 values, alarm at
 * p ≥ 0.9965); NAB's probationary period (training and calibration length) depends on the file length,
 * unknown to a streaming detector, so it is fixed at the value NAB gives its most common file (4032 rows).
 * It ignores DetectorContext: the method needs no value range.
 */
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { KnnCadEngine, emptyKnnCadState, type KnnCadParams, type KnnCadState } from './knn-cad-engine.js';

export const KNN_CAD_PARAMS: KnnCadParams = { period: 600, k: 27, dim: 19, alarmLevel: 0.9965 };

const STATE_VERSION = 1;

interface KnnCadSnapshotState {
  points: number;
  skipped: number;
  engine: KnnCadState;
}

class KnnCadDetector implements Detector {
  constructor(
    private readonly factoryName: string,
    private readonly engine: KnnCadEngine,
    private points = 0,
    private skipped = 0,
  ) {}

  update(_timestampMs: number, value: number): number {
    if (!isScorable(value)) {
      this.skipped += 1;
      return 0;
    }
    this.points += 1;
    return clampScore(this.engine.score(value));
  }

  snapshot(): DetectorSnapshot {
    const s = this.engine.state;
    const engine: KnnCadState = {
      ...s,
      values: [...s.values],
      scores: [...s.scores],
      chol: s.chol && [...s.chol],
    };
    const state: KnnCadSnapshotState = { points: this.points, skipped: this.skipped, engine };
    return { detector: this.factoryName, version: STATE_VERSION, state };
  }

  stats(): DetectorStats {
    return { points: this.points, skipped: this.skipped };
  }
}

export function makeKnnCadFactory(name: string, params: KnnCadParams): DetectorFactory {
  return {
    name,
    create(): Detector {
      return new KnnCadDetector(name, new KnnCadEngine(params, emptyKnnCadState()));
    },
    restore(snapshot: DetectorSnapshot): Detector {
      if (snapshot.detector !== name || snapshot.version !== STATE_VERSION) {
        throw new DetectorSnapshotError(
          `cannot restore a ${snapshot.detector} v${snapshot.version} snapshot with ${name} v${STATE_VERSION}`,
        );
      }
      const state = snapshot.state as Partial<KnnCadSnapshotState> | null;
      const e = state?.engine;
      const ok =
        !!e &&
        Number.isInteger(state.points) &&
        Number.isInteger(state.skipped) &&
        Array.isArray(e.values) &&
        Array.isArray(e.scores) &&
        (e.chol === null || (Array.isArray(e.chol) && e.chol.length === params.dim * params.dim)) &&
        [e.records, e.valuesStart, e.trainStart, e.trainCount, e.quiet].every(Number.isInteger);
      if (!ok) throw new DetectorSnapshotError(`malformed ${name} snapshot`);
      const engine: KnnCadState = {
        ...e,
        values: [...e.values],
        scores: [...e.scores],
        chol: e.chol && [...e.chol],
      };
      return new KnnCadDetector(name, new KnnCadEngine(params, engine), state.points, state.skipped);
    },
  };
}
