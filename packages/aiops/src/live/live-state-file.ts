import type { AnomalyEvent } from './anomaly-event.js';
import { gzipJsonFile } from './gzip-json-file.js';
import type { LiveSeriesSnapshot } from './live-series.js';

/** Live detection's whole state: every series' detector and band, and the recent events. */
export interface LiveState {
  readonly version: 1;
  readonly savedAtMs: number;
  readonly series: readonly LiveSeriesSnapshot[];
  readonly events: readonly AnomalyEvent[];
}

/** Where the state is kept between runs. */
export interface LiveStateStore {
  /** The saved state, or undefined when there is none; throws (StateFileError) when it cannot be used. */
  load(): Promise<LiveState | undefined>;
  /** Replaces the saved state; a crash mid-save leaves the previous one. */
  save(state: LiveState): Promise<void>;
}

function isLiveState(value: unknown): value is LiveState {
  const state = value as Partial<LiveState> | null;
  return (
    typeof state === 'object' &&
    state !== null &&
    state.version === 1 &&
    Array.isArray(state.series) &&
    Array.isArray(state.events)
  );
}

/** Keeps the state in one gzipped JSON file, replaced atomically. */
export function createLiveStateFile(file: string): LiveStateStore {
  return gzipJsonFile(file, isLiveState, 'version 1 live detection state');
}
