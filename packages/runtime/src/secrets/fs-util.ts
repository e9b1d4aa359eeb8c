import { open, rename as fsRename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** `rename(2)`, replaceable in tests to simulate a crash between writing the temp file and renaming it. */
export type RenameFn = (from: string, to: string) => Promise<void>;

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file. */
  mode: number;
  /** Defaults to `fs.promises.rename`. */
  rename?: RenameFn;
}

/**
 * Replaces `path` with `content` so that readers (and a crash at any point) see either the old file or the
 * new one, never a mix: write a temp file in the same directory, fsync it, rename it over `path`, fsync
 * the directory. On failure the temp file is removed and `path` is untouched.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', options.mode);
    try {
      // The mode given to open() is reduced by the umask; set it exactly.
      await handle.chmod(options.mode);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await (options.rename ?? fsRename)(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename or link in `dir` durable. Best effort: some platforms cannot fsync a directory. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // EISDIR/EINVAL/EPERM on platforms without directory fsync: the rename itself has happened.
  }
}

/** The `code` of a Node.js system error, if it is one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
