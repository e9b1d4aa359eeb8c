import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { classify, emptyClassifier, type ClassifierState } from './classifier.js';
import { emptyDownsampler, pushRaw, type DownsamplerState } from './downsampler.js';
import { emptyDvfa, type DvfaState } from './dvfa.js';
import { emptyEncoder, encodeScaled, type EncoderState } from './window-encoder.js';
import { initialVigilance } from './initial-vigilance.js';
import { ARTIME_PARAMS, type Schedule } from './schedule.js';
import { rangeFromProbation, scaleInto, type SeriesRange } from './series-range.js';
import { decodeState, encodeState } from './state-codec.js';

export const ARTIME_NAME = 'artime';
/** 2: compact layout (state-codec.ts); 1 (plain JSON with base64 float32 weights) is refused. */
export const ARTIME_STATE_VERSION = 2;

/** Everything one ARTime detector knows (state-codec.ts makes the compact snapshot of it). */
export interface ArtimeState {
  schedule: Schedule;
  /** Null until the probation batch fixes it in live mode. */
  range: SeriesRange | null;
  points: number;
  skipped: number;
  downsampler: DownsamplerState;
  /** Downsampled steps so far (ARTime's dsi − 1). */
  steps: number;
  /** Raw downsampled values of the probation batch (emptied once it is learned). */
  probation: number[];
  encoder: EncoderState;
  art: DvfaState;
  classifier: ClassifierState;
}

export function initialState(schedule: Schedule, range: SeriesRange | undefined): ArtimeState {
  return {
    schedule,
    range: range ?? null,
    points: 0,
    skipped: 0,
    downsampler: emptyDownsampler(),
    steps: 0,
    probation: [],
    encoder: emptyEncoder(ARTIME_PARAMS),
    art: emptyDvfa(0),
    classifier: emptyClassifier(schedule.trendWindow),
  };
}

export class ArtimeDetector implements Detector {
  constructor(private readonly state: ArtimeState) {}

  // Like the original, ARTime works on row order: timestamps (gaps, irregular sampling) are not modelled.
  update(_timestampMs: number, value: number): number {
    const s = this.state;
    if (!isScorable(value)) {
      s.skipped += 1;
      return 0;
    }
    s.points += 1;
    const ds = pushRaw(s.downsampler, value, s.schedule.step);
    if (ds === undefined) return 0;
    s.steps += 1;
    const { trendWindow } = s.schedule;
    if (s.steps < trendWindow) {
      s.probation.push(ds);
      return 0;
    }
    if (s.steps === trendWindow) {
      s.probation.push(ds);
      this.learnProbation();
      return 0;
    }
    const features = encodeScaled(s.encoder, scaleInto(this.range(), ds), ARTIME_PARAMS);
    return clampScore(classify(s.classifier, s.art, features, s.steps, this.classifierParams()));
  }

  snapshot(): DetectorSnapshot {
    return {
      detector: ARTIME_NAME,
      version: ARTIME_STATE_VERSION,
      state: encodeState(this.state),
    };
  }

  stats(): DetectorStats {
    return { points: this.state.points, skipped: this.state.skipped };
  }

  /**
   * The original learns its probation batch in one go: encode every buffered value (now that a live range
   * can be set from them), set the vigilance from the typical windows, then replay them through the detector
   * without scoring.
   */
  private learnProbation(): void {
    const s = this.state;
    s.range ??= rangeFromProbation(s.probation, ARTIME_PARAMS.liveRangeMargin);
    const range = s.range;
    const batch = s.probation.map((ds) => encodeScaled(s.encoder, scaleInto(range, ds), ARTIME_PARAMS));
    s.probation = [];
    const { window, initialRho, maxCategories } = ARTIME_PARAMS;
    const trendWindow = s.schedule.trendWindow;
    const rho = initialVigilance(
      batch.slice(window - 1),
      initialRho,
      Math.floor(trendWindow / 2),
      maxCategories,
    );
    s.art.rhoLb = rho;
    s.art.rhoUb = rho;
    const params = this.classifierParams();
    batch.forEach((features, index) => classify(s.classifier, s.art, features, index + 1, params));
  }

  private range(): SeriesRange {
    if (this.state.range === null) throw new Error('ARTime range used before probation ended');
    return this.state.range;
  }

  private classifierParams() {
    return {
      window: ARTIME_PARAMS.window,
      trendWindow: this.state.schedule.trendWindow,
      maskSteps: ARTIME_PARAMS.maskSteps,
      maxCategories: ARTIME_PARAMS.maxCategories,
    };
  }
}

/** Checks the envelope, then the state itself (state-codec.ts): anything malformed is a DetectorSnapshotError. */
export function stateFromSnapshot(snapshot: DetectorSnapshot): ArtimeState {
  if (snapshot.detector !== ARTIME_NAME) {
    throw new DetectorSnapshotError(`snapshot of '${snapshot.detector}', not '${ARTIME_NAME}'`);
  }
  if (snapshot.version !== ARTIME_STATE_VERSION) {
    throw new DetectorSnapshotError(
      `ARTime state version ${snapshot.version} (expected ${ARTIME_STATE_VERSION})`,
    );
  }
  try {
    return decodeState(snapshot.state);
  } catch (error) {
    throw new DetectorSnapshotError(`malformed ARTime state: ${(error as Error).message}`);
  }
}
