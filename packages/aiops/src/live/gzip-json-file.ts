import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A state file that cannot be used (not gzip, not JSON, or not the expected shape). */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * A state kept in one gzipped JSON file, replaced atomically (written beside it, then renamed), so a crash
 * mid-write leaves the previous state whole. `check` says whether parsed JSON has the expected shape.
 */
export interface GzipJsonFile<T> {
  /** The saved state, or undefined when there is none; a {@link StateFileError} when it cannot be used. */
  load(): Promise<T | undefined>;
  save(state: T): Promise<void>;
}

export function gzipJsonFile<T>(
  file: string,
  check: (value: unknown) => value is T,
  what: string,
): GzipJsonFile<T> {
  let saving: Promise<void> = Promise.resolve();
  const write = async (text: string) => {
    const bytes = await gzipAsync(text);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    await writeFile(tmp, bytes, { flush: true });
    await rename(tmp, file);
  };
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
        throw new StateFileError(
          `${file}: not gzipped JSON (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      if (!check(parsed)) throw new StateFileError(`${file}: not a ${what}`);
      return parsed;
    },
    save(state) {
      // One save at a time, in call order: overlapping saves would share the temporary file, and an older one
      // renamed last would win.
      // Serialised at the call, so a later change of `state` cannot reach this save.
      const text = JSON.stringify(state);
      const run = saving.then(() => write(text));
      saving = run.catch(() => undefined);
      return run;
    },
  };
}
