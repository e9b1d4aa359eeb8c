// Matrix-profile discord detector: a point is as anomalous as the subsequence it completes is far from every
// earlier subsequence in the bounded history (its left matrix-profile value).
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { suppressEcho } from './echo.js';
import { emptySurprise, surprise, type SurpriseParams, type SurpriseState } from './surprise.js';
import {
  LeftMatrixProfile,
  emptyLeftMatrixProfile,
  type LeftMatrixProfileParams,
  type LeftMatrixProfileState,
} from './left-matrix-profile.js';

export interface DiscordParams extends LeftMatrixProfileParams, SurpriseParams {}

interface State {
  profile: LeftMatrixProfileState;
  calibration: SurpriseState;
  /** Raw scores of the last `length` points (an anomaly stays in view that long). */
  lastScores: number[];
  points: number;
  skipped: number;
}

export const DISCORD_VERSION = 1;

export class DiscordDetector implements Detector {
  private readonly profile: LeftMatrixProfile;

  constructor(
    private readonly name: string,
    private readonly params: DiscordParams,
    private readonly state: State,
  ) {
    this.profile = new LeftMatrixProfile(params, state.profile);
  }

  static create(name: string, params: DiscordParams): DiscordDetector {
    return new DiscordDetector(name, params, {
      profile: emptyLeftMatrixProfile(),
      calibration: emptySurprise(),
      lastScores: [],
      points: 0,
      skipped: 0,
    });
  }

  static restore(name: string, params: DiscordParams, snapshot: DetectorSnapshot): DiscordDetector {
    if (snapshot.detector !== name)
      throw new DetectorSnapshotError(`snapshot of ${snapshot.detector}, not ${name}`);
    if (snapshot.version !== DISCORD_VERSION)
      throw new DetectorSnapshotError(`${name}: unsupported snapshot version ${snapshot.version}`);
    const state = parseState(snapshot.state, params);
    try {
      return new DiscordDetector(name, params, state);
    } catch (e) {
      throw new DetectorSnapshotError(`discord snapshot: ${(e as Error).message}`);
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
    // The state object is shared with the profile, which mutates it in place.
    const distance = this.profile.push(value);
    this.state.profile = this.profile.state;
    if (distance === undefined) return 0;
    const raw = surprise(this.state.calibration, distance, this.params);
    // Every subsequence overlapping an odd one is far from the rest too: one alarm per odd stretch.
    return clampScore(suppressEcho(this.state.lastScores, raw, this.params.length));
  }

  snapshot(): DetectorSnapshot {
    return { detector: this.name, version: DISCORD_VERSION, state: structuredClone(this.state) };
  }

  stats(): DetectorStats {
    return { points: this.state.points, skipped: this.state.skipped };
  }
}

function parseState(raw: unknown, params: DiscordParams): State {
  const bad = (why: string): never => {
    throw new DetectorSnapshotError(`discord snapshot: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('state is not an object');
  const o = raw as Record<string, unknown>;
  const count = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad(`${key} is not a count`);
  const numbers = (v: unknown, key: string): number[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? [...(v as number[])]
      : bad(`${key} is not an array of numbers`);
  if (typeof o.profile !== 'object' || o.profile === null) return bad('profile is not an object');
  const p = o.profile as Record<string, unknown>;
  if (typeof p.offset !== 'number' || !Number.isFinite(p.offset)) return bad('offset is not a number');
  const values = numbers(p.values, 'values');
  if (values.length > params.history + params.length) bad('too many values');
  return {
    profile: {
      offset: p.offset,
      values,
      dots: numbers(p.dots, 'dots'),
      sinceRecentre: count(p.sinceRecentre, 'sinceRecentre'),
    },
    calibration: parseCalibration(o.calibration, bad),
    lastScores: numbers(o.lastScores, 'lastScores'),
    points: count(o.points, 'points'),
    skipped: count(o.skipped, 'skipped'),
  };
}

function parseCalibration(raw: unknown, bad: (why: string) => never): SurpriseState {
  if (typeof raw !== 'object' || raw === null) return bad('calibration is not an object');
  const c = raw as Record<string, unknown>;
  const finite = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(`calibration ${key} is not a number`);
  if (!Array.isArray(c.recent) || !c.recent.every((v) => typeof v === 'number' && Number.isFinite(v)))
    return bad('calibration recent is not an array of numbers');
  return {
    n: finite(c.n, 'n'),
    mean: finite(c.mean, 'mean'),
    variance: finite(c.variance, 'variance'),
    recent: [...(c.recent as number[])],
  };
}
