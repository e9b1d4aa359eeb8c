import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { AnomalyEvent } from './anomaly-event.js';
import type { LiveSeriesSnapshot } from './live-series.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Live detection's whole state: every series' detector and band, and the recent events. */
export interface LiveState {
  readonly version: 1;
  readonly savedAtMs: number;
  readonly series: readonly LiveSeriesSnapshot[];
  readonly events: readonly AnomalyEvent[];
}

/** Where the state is kept between runs. */
export interface LiveStateStore {
  /** The saved state, or undefined when there is none; throws when it cannot be read or parsed. */
  load(): Promise<LiveState | undefined>;
  /** Replaces the saved state; a crash mid-save leaves the previous one. */
  save(state: LiveState): Promise<void>;
}

/** A saved state that cannot be used (corrupt, or another layout). */
export class LiveStateError extends Error {
  override readonly name = 'LiveStateError';
}

/**
 * Keeps the state in one gzipped JSON file, replaced atomically (written beside it, then renamed), so a
 * crash mid-write leaves the previous state whole.
 */
export function createLiveStateFile(file: string): LiveStateStore {
  return {
    async load() {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse((await gunzipAsync(bytes)).toString('utf8'));
      } catch (error) {
        throw new LiveStateError(
          `${file}: not a gzipped JSON state (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      const state = parsed as Partial<LiveState> | null;
      if (
        typeof state !== 'object' ||
        state === null ||
        state.version !== 1 ||
        !Array.isArray(state.series) ||
        !Array.isArray(state.events)
      ) {
        throw new LiveStateError(`${file}: not a version 1 live detection state`);
      }
      return state as LiveState;
    },
    async save(state) {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.tmp`;
      await writeFile(tmp, await gzipAsync(JSON.stringify(state)), { flush: true });
      await rename(tmp, file);
    },
  };
}
