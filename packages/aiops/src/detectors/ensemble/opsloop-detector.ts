/**
 * The opsloop ensemble: CAD OSE and ARTime compete (the larger score wins: they catch different anomalies);
 * the two sparse members (ARTime, Relative Entropy) firing close together counts as a detection too; and the
 * result is raised a little when the sparse members fired lately, because independent detectors agreeing is
 * better evidence than one. Without a known range (live mode) Relative Entropy also competes directly. Every member sees every finite point, so
 * the state is the members' snapshots plus two decayed peaks.
 */
import { artimeDetector } from '../artime/index.js';
import { cadOseDetector } from '../cad-ose/index.js';
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorContext,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { relativeEntropyDetector } from '../relative-entropy/index.js';
import { decayFactor, nextPeak } from './decayed-peak.js';
import type { EnsembleParams } from './ensemble-params.js';

const STATE_VERSION = 1;

/** Member order is part of the snapshot layout (version 1). */
const MEMBERS = { cadOse: cadOseDetector, artime: artimeDetector, relativeEntropy: relativeEntropyDetector };
type MemberKey = keyof typeof MEMBERS;
const MEMBER_KEYS = Object.keys(MEMBERS) as MemberKey[];

type Members = Record<MemberKey, Detector>;

interface OpsloopState {
  points: number;
  skipped: number;
  artimePeak: number;
  relativeEntropyPeak: number;
  /** Whether the context gave the series' range (decides Relative Entropy's weight, see the params). */
  rangeKnown: boolean;
  members: Record<MemberKey, DetectorSnapshot>;
}

class OpsloopDetector implements Detector {
  private readonly decay: number;
  private readonly entropyWeight: number;

  constructor(
    private readonly name: string,
    private readonly params: EnsembleParams,
    private readonly members: Members,
    private readonly rangeKnown: boolean,
    private points = 0,
    private skipped = 0,
    private artimePeak = 0,
    private relativeEntropyPeak = 0,
  ) {
    this.decay = decayFactor(params.supportHalfLifePoints);
    this.entropyWeight = rangeKnown ? 0 : params.liveRelativeEntropyWeight;
  }

  update(timestampMs: number, value: number): number {
    if (!isScorable(value)) {
      this.skipped += 1;
      return 0;
    }
    this.points += 1;
    const cad = this.members.cadOse.update(timestampMs, value);
    const artime = this.members.artime.update(timestampMs, value) ** this.params.artimePower;
    const entropy = this.members.relativeEntropy.update(timestampMs, value);
    this.artimePeak = nextPeak(this.artimePeak, artime, this.decay);
    this.relativeEntropyPeak = nextPeak(this.relativeEntropyPeak, entropy, this.decay);
    let best = Math.max(cad, artime, this.entropyWeight * entropy);
    // Both sparse members fired within about a half-life of each other, and one of them fires now: their
    // agreement is a detection of its own (geometric mean: strong only when both are), even when CAD OSE is
    // busy with noise.
    if (artime > 0 || entropy > 0)
      best = Math.max(best, Math.sqrt(this.artimePeak * this.relativeEntropyPeak));
    const support = (this.artimePeak + this.relativeEntropyPeak) / 2;
    return clampScore(best * (1 + this.params.supportGain * support));
  }

  snapshot(): DetectorSnapshot {
    const members = {} as Record<MemberKey, DetectorSnapshot>;
    for (const key of MEMBER_KEYS) members[key] = this.members[key].snapshot();
    const state: OpsloopState = {
      points: this.points,
      skipped: this.skipped,
      artimePeak: this.artimePeak,
      relativeEntropyPeak: this.relativeEntropyPeak,
      rangeKnown: this.rangeKnown,
      members,
    };
    return { detector: this.name, version: STATE_VERSION, state };
  }

  stats(): DetectorStats {
    return { points: this.points, skipped: this.skipped };
  }
}

/** A factory for the ensemble with the given parameters (members use their own fixed settings). */
export function makeOpsloopFactory(name: string, params: EnsembleParams): DetectorFactory {
  return {
    name,
    create(context?: DetectorContext): Detector {
      // The context goes to every member as given: ARTime honours extras such as a series length.
      const members = {} as Members;
      for (const key of MEMBER_KEYS) members[key] = MEMBERS[key].create(context);
      const rangeKnown = Number.isFinite(context?.inputMin) && Number.isFinite(context?.inputMax);
      return new OpsloopDetector(name, params, members, rangeKnown);
    },
    restore(snapshot: DetectorSnapshot): Detector {
      const state = parseState(name, snapshot);
      const members = {} as Members;
      for (const key of MEMBER_KEYS) members[key] = MEMBERS[key].restore(state.members[key]);
      return new OpsloopDetector(
        name,
        params,
        members,
        state.rangeKnown,
        state.points,
        state.skipped,
        state.artimePeak,
        state.relativeEntropyPeak,
      );
    },
  };
}

function parseState(name: string, snapshot: DetectorSnapshot): OpsloopState {
  if (snapshot?.detector !== name) {
    throw new DetectorSnapshotError(`not a ${name} snapshot: ${String(snapshot?.detector)}`);
  }
  if (snapshot.version !== STATE_VERSION) {
    throw new DetectorSnapshotError(`${name} snapshot version ${snapshot.version} is not ${STATE_VERSION}`);
  }
  const s = snapshot.state as Partial<OpsloopState> | null;
  if (typeof s !== 'object' || s === null) throw new DetectorSnapshotError(`${name} snapshot has no state`);
  if (!isCount(s.points) || !isCount(s.skipped)) {
    throw new DetectorSnapshotError(`${name} snapshot: points and skipped must be non-negative integers`);
  }
  if (!isPeak(s.artimePeak) || !isPeak(s.relativeEntropyPeak)) {
    throw new DetectorSnapshotError(`${name} snapshot: peaks must be numbers in [0, 1]`);
  }
  if (typeof s.rangeKnown !== 'boolean') {
    throw new DetectorSnapshotError(`${name} snapshot: rangeKnown must be a boolean`);
  }
  const members = s.members as Partial<Record<MemberKey, DetectorSnapshot>> | undefined;
  if (
    typeof members !== 'object' ||
    members === null ||
    MEMBER_KEYS.some((k) => typeof members[k] !== 'object')
  ) {
    throw new DetectorSnapshotError(`${name} snapshot: missing member snapshots (${MEMBER_KEYS.join(', ')})`);
  }
  return s as OpsloopState;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isPeak(x: unknown): x is number {
  return typeof x === 'number' && x >= 0 && x <= 1;
}
