/** Small helpers for crash-safe file-system changes. */
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Flushes a directory's entries (a rename or a new file) to disk; a no-op where directories cannot be opened. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some platforms refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle.close();
  }
}

/** Writes a whole file and flushes it to disk before returning. */
export async function writeFileDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Total size of the regular files under `dir` (recursively); 0 when it does not exist. */
export async function directoryBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Removes a file or directory tree, ignoring a missing one. */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
