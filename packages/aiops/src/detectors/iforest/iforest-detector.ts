// Streaming isolation-forest detector: the isolation score of each new shingle against a forest of the recent
// past, calibrated against the series' own scores and reported once per odd stretch.
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { suppressEcho } from '../discord/echo.js';
import { emptySurprise, surprise, type SurpriseParams, type SurpriseState } from '../discord/surprise.js';
import {
  SlidingForest,
  emptySlidingForest,
  type SlidingForestParams,
  type SlidingForestState,
} from './sliding-forest.js';

export interface IForestParams extends SlidingForestParams, SurpriseParams {}

interface State {
  forest: SlidingForestState;
  calibration: SurpriseState;
  /** Calibrated scores of the last `shingle` points (an odd value stays in view that long). */
  lastScores: number[];
  points: number;
  skipped: number;
}

export const IFOREST_VERSION = 1;

export class IForestDetector implements Detector {
  private readonly forest: SlidingForest;

  constructor(
    private readonly name: string,
    private readonly params: IForestParams,
    private readonly state: State,
  ) {
    this.forest = new SlidingForest(params, state.forest);
  }

  static create(name: string, params: IForestParams): IForestDetector {
    return new IForestDetector(name, params, {
      forest: emptySlidingForest(params.seed),
      calibration: emptySurprise(),
      lastScores: [],
      points: 0,
      skipped: 0,
    });
  }

  static restore(name: string, params: IForestParams, snapshot: DetectorSnapshot): IForestDetector {
    if (snapshot.detector !== name)
      throw new DetectorSnapshotError(`snapshot of ${snapshot.detector}, not ${name}`);
    if (snapshot.version !== IFOREST_VERSION)
      throw new DetectorSnapshotError(`${name}: unsupported snapshot version ${snapshot.version}`);
    const state = parseState(snapshot.state, params);
    try {
      return new IForestDetector(name, params, state);
    } catch (e) {
      throw new DetectorSnapshotError(`iforest snapshot: ${(e as Error).message}`);
    }
  }

  update(_timestampMs: number, input: number): number {
    // −0 would come back from JSON as 0: fold it now so a restored state equals the original.
    const value = input === 0 ? 0 : input;
    if (!isScorable(value)) {
      this.state.skipped++;
      return 0;
    }
    this.state.points++;
    const isolation = this.forest.push(value);
    if (isolation === undefined) return 0;
    const raw = surprise(this.state.calibration, isolation, this.params);
    return clampScore(suppressEcho(this.state.lastScores, raw, this.params.shingle));
  }

  snapshot(): DetectorSnapshot {
    return { detector: this.name, version: IFOREST_VERSION, state: structuredClone(this.state) };
  }

  stats(): DetectorStats {
    return { points: this.state.points, skipped: this.state.skipped };
  }
}

function parseState(raw: unknown, params: IForestParams): State {
  const bad = (why: string): never => {
    throw new DetectorSnapshotError(`iforest snapshot: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('state is not an object');
  const o = raw as Record<string, unknown>;
  const finite = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(`${key} is not a number`);
  const integer = (v: unknown, key: string, min: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? v : bad(`${key} is not an integer >= ${min}`);
  const numbers = (v: unknown, key: string): number[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? [...(v as number[])]
      : bad(`${key} is not an array of numbers`);
  const object = (v: unknown, key: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : bad(`${key} is not an object`);
  const f = object(o.forest, 'forest');
  const c = object(o.calibration, 'calibration');
  const values = numbers(f.values, 'forest values');
  if (values.length > params.window + params.shingle - 1 + params.rebuildEvery) bad('too many values');
  return {
    forest: {
      values,
      pushed: integer(f.pushed, 'pushed', 0),
      builtAt: integer(f.builtAt, 'builtAt', -1),
      rngBefore: integer(f.rngBefore, 'rngBefore', 0),
      rngAfter: integer(f.rngAfter, 'rngAfter', 0),
    },
    calibration: {
      n: integer(c.n, 'calibration n', 0),
      mean: finite(c.mean, 'calibration mean'),
      variance: finite(c.variance, 'calibration variance'),
      recent: numbers(c.recent, 'calibration recent'),
    },
    lastScores: numbers(o.lastScores, 'lastScores'),
    points: integer(o.points, 'points', 0),
    skipped: integer(o.skipped, 'skipped', 0),
  };
}
