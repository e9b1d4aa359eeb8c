/**
 * The CAD OSE detector behind the port: skips non-finite values, counts points, snapshots the engine.
 * Hyper-parameters are the original's, except two it cannot have in a stream: NAB sets the rest period to the
 * file's probationary period / 5 (46 to 150 points, from the file length, unknown here), so the original
 * library's own default of 30 is used; and the context memory, unbounded in the original, is capped.
 */
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
import { CadOseEngine, type CadOseParams } from './cad-ose-engine.js';
import { engineFromJson, engineToJson, type EngineJson } from './engine-snapshot.js';

export const CAD_OSE_PARAMS: CadOseParams = {
  baseThreshold: 0.75,
  restPeriod: 30,
  maxLeftSemiContextLength: 7,
  maxActiveNeurons: 15,
  numNormValueBits: 3,
  /** ≤ 16 KB of snapshot JSON on NAB; NAB scores are the same as uncapped (the original stores ~250–2500 per file). */
  maxContexts: 1000,
  rangeMargin: 0.1,
};

/** 2: compact memory (engine-snapshot.ts); version 1 (plain JSON semi-contexts) is refused. */
const STATE_VERSION = 2;

interface CadOseState {
  points: number;
  skipped: number;
  engine: EngineJson;
}

class CadOseDetector implements Detector {
  constructor(
    private readonly factoryName: string,
    private readonly engine: CadOseEngine,
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
    const state: CadOseState = {
      points: this.points,
      skipped: this.skipped,
      engine: engineToJson(this.engine),
    };
    return { detector: this.factoryName, version: STATE_VERSION, state };
  }

  stats(): DetectorStats {
    return { points: this.points, skipped: this.skipped };
  }
}

/** A CAD OSE factory with the given hyper-parameters (fixed for every series it makes detectors for). */
export function makeCadOseFactory(name: string, params: CadOseParams): DetectorFactory {
  return {
    name,
    create(context?: DetectorContext): Detector {
      const min = context?.inputMin;
      const max = context?.inputMax;
      const known =
        min !== undefined && max !== undefined && isScorable(min) && isScorable(max) && min <= max;
      const engine = new CadOseEngine(params, {
        min: known ? min : 0,
        max: known ? max : 0,
        initialised: known,
      });
      return new CadOseDetector(name, engine);
    },
    restore(snapshot: DetectorSnapshot): Detector {
      if (snapshot.detector !== name || snapshot.version !== STATE_VERSION) {
        throw new DetectorSnapshotError(
          `cannot restore a ${snapshot.detector} v${snapshot.version} snapshot with ${name} v${STATE_VERSION}`,
        );
      }
      try {
        const state = snapshot.state as CadOseState | null;
        if (typeof state !== 'object' || state === null) throw new Error('no state');
        if (!isCount(state.points) || !isCount(state.skipped)) throw new Error('bad counters');
        const engine = engineFromJson(params, state.engine);
        return new CadOseDetector(name, engine, state.points, state.skipped);
      } catch (error) {
        throw new DetectorSnapshotError(`malformed ${name} snapshot: ${String(error)}`);
      }
    },
  };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
