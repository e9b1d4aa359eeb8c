/**
 * The streaming anomaly detector port (docs/adr/0007-streaming-anomaly-detectors.md). One detector instance
 * watches one series: it sees one point at a time and scores it before it sees the next, so the same code
 * runs on the NAB corpus, on a user's CSV (`opsloop detect`) and on the platform's live series.
 */

/** What a detector may know about its series before the first point (NAB tells every detector this). */
export interface DetectorContext {
  /** The smallest value the series will take, when known in advance (NAB mode); unknown in live mode. */
  readonly inputMin?: number;
  /** The largest value the series will take, when known in advance. */
  readonly inputMax?: number;
}

/** A detector's state as plain JSON: `restore(snapshot())` continues with identical scores. */
export interface DetectorSnapshot {
  /** The factory's name (`DetectorFactory.name`). */
  readonly detector: string;
  /** The state layout's version: a restore of another version is refused. */
  readonly version: number;
  /** JSON-safe state (numbers, strings, arrays, plain objects; no NaN/Infinity, no typed arrays). */
  readonly state: unknown;
}

/** Counters every detector keeps. */
export interface DetectorStats {
  /** Points scored. */
  readonly points: number;
  /** Points skipped because the value was NaN or ±Infinity (scored 0, state untouched). */
  readonly skipped: number;
}

/** A streaming detector over one series. */
export interface Detector {
  /**
   * Consumes the point (`timestampMs` non-decreasing; gaps and irregular sampling allowed) and returns its
   * anomaly score in [0, 1]: 0 is normal, 1 is as anomalous as the detector can say. A non-finite value is
   * skipped (score 0) without touching the state.
   */
  update(timestampMs: number, value: number): number;
  /** The whole state, serialisable with `JSON.stringify`. */
  snapshot(): DetectorSnapshot;
  stats(): DetectorStats;
}

/** Makes detectors of one kind, with fixed hyper-parameters for every series (no per-series tuning). */
export interface DetectorFactory {
  /** Stable name: results folders, snapshots, `opsloop detect --detector`. */
  readonly name: string;
  create(context?: DetectorContext): Detector;
  /** Continues from a snapshot of this factory's detectors; throws a {@link DetectorSnapshotError} otherwise. */
  restore(snapshot: DetectorSnapshot): Detector;
}

/** A snapshot from another detector, another state version, or malformed. */
export class DetectorSnapshotError extends Error {
  override readonly name = 'DetectorSnapshotError';
}

/** Whether `value` can be scored (NaN and ±Infinity are skipped). */
export function isScorable(value: number): boolean {
  return Number.isFinite(value);
}

/** `score` clamped into [0, 1] (NaN → 0): every detector returns through this. */
export function clampScore(score: number): number {
  if (!(score > 0)) return 0;
  return score < 1 ? score : 1;
}
