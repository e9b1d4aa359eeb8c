import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a directory, so that entries created or renamed in it survive a crash. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` atomically: write `path.tmp`, fsync it, rename it over `path`, fsync the
 * directory. A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncDirectory(dirname(path));
}

/**
 * Group commit for a file that is rewritten whole: `persist()` resolves once a write that started after the
 * call has finished. Calls made while a write is running share the next write, so N concurrent changes cost
 * at most two writes instead of N.
 */
export class CoalescingWriter {
  readonly #write: () => Promise<void>;
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(write: () => Promise<void>) {
    this.#write = write;
  }

  persist(): Promise<void> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#write();
    });
    this.#queued = run;
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Resolves when every write requested so far has finished (successfully or not). */
  idle(): Promise<void> {
    return this.#tail;
  }
}
