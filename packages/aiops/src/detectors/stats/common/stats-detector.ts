/**
 * The shell shared by the statistical detectors: it owns the port's bookkeeping (skipping non-finite
 * values, counting, clamping, versioned JSON snapshots) so that each detector only writes its model.
 */
import { gateSurprise } from './surprise-gate.js';
import {
  clampScore,
  DetectorSnapshotError,
  isScorable,
  type Detector,
  type DetectorContext,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from '../../detector.js';

/** What a statistical detector implements: scoring one finite point, and its JSON-safe state. */
export interface StatsModel<State> {
  score(timestampMs: number, value: number): number;
  state(): State;
}

export interface StatsDetectorSpec<State> {
  readonly name: string;
  readonly version: number;
  /** Whether scores pass through the re-alert suppression of {@link gateSurprise}. */
  readonly gated: boolean;
  create(context: DetectorContext): StatsModel<State>;
  /** Rebuilds a model from `state()`'s output; throws a DetectorSnapshotError on a malformed state. */
  restore(state: unknown): StatsModel<State>;
}

interface ShellState {
  readonly points: number;
  readonly skipped: number;
  readonly peak: number;
  readonly model: unknown;
}

class StatsDetector<State> implements Detector {
  constructor(
    private readonly spec: StatsDetectorSpec<State>,
    private readonly model: StatsModel<State>,
    private points = 0,
    private skipped = 0,
    private peak = 0,
  ) {}

  update(timestampMs: number, value: number): number {
    if (!isScorable(value) || !Number.isFinite(timestampMs)) {
      this.skipped += 1;
      return 0;
    }
    this.points += 1;
    const raw = clampScore(this.model.score(timestampMs, value));
    if (!this.spec.gated) return raw;
    const gated = gateSurprise(raw, this.peak);
    this.peak = gated.peak;
    return clampScore(gated.score);
  }

  snapshot(): DetectorSnapshot {
    const state: ShellState = {
      points: this.points,
      skipped: this.skipped,
      peak: this.peak,
      model: this.model.state(),
    };
    // A deep copy, so that a snapshot never aliases live arrays the model keeps mutating.
    return { detector: this.spec.name, version: this.spec.version, state: JSON.parse(JSON.stringify(state)) };
  }

  stats(): DetectorStats {
    return { points: this.points, skipped: this.skipped };
  }
}

/** A DetectorFactory for a statistical model. */
export function statsDetectorFactory<State>(spec: StatsDetectorSpec<State>): DetectorFactory {
  return {
    name: spec.name,
    create: (context?: DetectorContext) => new StatsDetector(spec, spec.create(context ?? {})),
    restore(snapshot: DetectorSnapshot): Detector {
      if (snapshot.detector !== spec.name) {
        throw new DetectorSnapshotError(
          `snapshot is for detector "${snapshot.detector}", not "${spec.name}"`,
        );
      }
      if (snapshot.version !== spec.version) {
        throw new DetectorSnapshotError(
          `snapshot version ${snapshot.version} of "${spec.name}" is not the supported version ${spec.version}`,
        );
      }
      const state = snapshot.state as Partial<ShellState> | null;
      if (typeof state !== 'object' || state === null) {
        throw new DetectorSnapshotError(`snapshot state of "${spec.name}" is not an object`);
      }
      const points = state.points;
      const skipped = state.skipped;
      const peak = state.peak;
      if (!isCount(points) || !isCount(skipped) || typeof peak !== 'number' || !(peak >= 0 && peak <= 1)) {
        throw new DetectorSnapshotError(`snapshot of "${spec.name}" has invalid points/skipped/peak`);
      }
      return new StatsDetector(spec, spec.restore(state.model), points, skipped, peak);
    },
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
