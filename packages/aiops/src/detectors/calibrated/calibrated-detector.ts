// The part the discord and iforest detectors share: a core turns each value into a raw anomaly measure (a
// distance, an isolation score) whose scale depends on the series; this wrapper calibrates it against the
// series' own past (surprise), reports it once per odd stretch (echo suppression), counts points, and keeps the
// whole state as one JSON snapshot with the core's state under its own key.
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { suppressEcho } from './echo.js';
import { emptySurprise, surprise, type SurpriseParams, type SurpriseState } from './surprise.js';

/** A running core: mutates `state` in place, so the snapshot can read it at any time. */
export interface RawScorer<S> {
  readonly state: S;
  /** Adds `value`; returns its raw anomaly measure, or undefined while the core cannot tell yet. */
  push(value: number): number | undefined;
}

/** How to build, restore and check one kind of core. */
export interface CalibratedCore<P, S> {
  /** The snapshot field holding the core's state (named by each detector's existing layout). */
  readonly stateKey: string;
  /** The snapshot layout's version: bump it when the core's state changes. */
  readonly version: number;
  empty(params: P): S;
  /** A core continuing from `state`; throws if the state is inconsistent. */
  open(params: P, state: S): RawScorer<S>;
  /** The core's state from a snapshot, validated and copied (no array shared with `raw`). */
  parse(raw: unknown, params: P, check: StateCheck): S;
  /** Scores the echo suppression keeps: how long one odd value stays in the core's view. */
  echoSpan(params: P): number;
}

/** Validators for a snapshot's state: each returns the value or throws a {@link DetectorSnapshotError}. */
export interface StateCheck {
  fail(why: string): never;
  object(v: unknown, what: string): Record<string, unknown>;
  finite(v: unknown, what: string): number;
  integer(v: unknown, what: string, min: number): number;
  /** A copy of an array of finite numbers. */
  numbers(v: unknown, what: string): number[];
}

export function stateCheck(name: string): StateCheck {
  const fail = (why: string): never => {
    throw new DetectorSnapshotError(`${name} snapshot: ${why}`);
  };
  return {
    fail,
    object: (v, what) =>
      typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : fail(`${what} is not an object`),
    finite: (v, what) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`${what} is not a number`)),
    integer: (v, what, min) =>
      typeof v === 'number' && Number.isInteger(v) && v >= min
        ? v
        : fail(`${what} is not an integer >= ${min}`),
    numbers: (v, what) =>
      Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))
        ? [...(v as number[])]
        : fail(`${what} is not an array of numbers`),
  };
}

/** The wrapper's own state; the snapshot puts the core's state before it, under `stateKey`. */
interface CommonState {
  calibration: SurpriseState;
  /** Calibrated scores of the last `echoSpan` points. */
  lastScores: number[];
  points: number;
  skipped: number;
}

export class CalibratedDetector<P extends SurpriseParams, S> implements Detector {
  private readonly scorer: RawScorer<S>;
  private readonly echoSpan: number;

  private constructor(
    private readonly name: string,
    private readonly params: P,
    private readonly core: CalibratedCore<P, S>,
    coreState: S,
    private readonly state: CommonState,
  ) {
    this.scorer = core.open(params, coreState);
    this.echoSpan = core.echoSpan(params);
  }

  static create<P extends SurpriseParams, S>(
    name: string,
    params: P,
    core: CalibratedCore<P, S>,
  ): CalibratedDetector<P, S> {
    return new CalibratedDetector(name, params, core, core.empty(params), {
      calibration: emptySurprise(),
      lastScores: [],
      points: 0,
      skipped: 0,
    });
  }

  static restore<P extends SurpriseParams, S>(
    name: string,
    params: P,
    core: CalibratedCore<P, S>,
    snapshot: DetectorSnapshot,
  ): CalibratedDetector<P, S> {
    if (snapshot.detector !== name)
      throw new DetectorSnapshotError(`snapshot of ${snapshot.detector}, not ${name}`);
    if (snapshot.version !== core.version)
      throw new DetectorSnapshotError(`${name}: unsupported snapshot version ${snapshot.version}`);
    const check = stateCheck(name);
    const o = check.object(snapshot.state, 'state');
    const coreState = core.parse(o[core.stateKey], params, check);
    const state = parseCommon(o, check);
    try {
      return new CalibratedDetector(name, params, core, coreState, state);
    } catch (e) {
      throw new DetectorSnapshotError(`${name} snapshot: ${(e as Error).message}`);
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
    const measure = this.scorer.push(value);
    if (measure === undefined) return 0;
    const raw = surprise(this.state.calibration, measure, this.params);
    // Every window that overlaps an odd value is odd too: one alarm per odd stretch.
    return clampScore(suppressEcho(this.state.lastScores, raw, this.echoSpan));
  }

  snapshot(): DetectorSnapshot {
    // The core's state first: the field order of the version-1 layouts, so snapshots stay byte-identical.
    const state = { [this.core.stateKey]: this.scorer.state, ...this.state };
    return { detector: this.name, version: this.core.version, state: structuredClone(state) };
  }

  stats(): DetectorStats {
    return { points: this.state.points, skipped: this.state.skipped };
  }
}

/** The factory of calibrated detectors around `core`, with fixed parameters. */
export function calibratedFactory<P extends SurpriseParams, S>(
  name: string,
  params: P,
  core: CalibratedCore<P, S>,
): DetectorFactory {
  return {
    name,
    create: () => CalibratedDetector.create(name, params, core),
    restore: (snapshot) => CalibratedDetector.restore(name, params, core, snapshot),
  };
}

function parseCommon(o: Record<string, unknown>, check: StateCheck): CommonState {
  const c = check.object(o.calibration, 'calibration');
  return {
    calibration: {
      n: check.integer(c.n, 'calibration n', 0),
      mean: check.finite(c.mean, 'calibration mean'),
      variance: check.finite(c.variance, 'calibration variance'),
      recent: check.numbers(c.recent, 'calibration recent'),
    },
    lastScores: check.numbers(o.lastScores, 'lastScores'),
    points: check.integer(o.points, 'points', 0),
    skipped: check.integer(o.skipped, 'skipped', 0),
  };
}
