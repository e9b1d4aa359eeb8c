import { chmod, mkdir, realpath, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FilePathError } from './errors.js';
import { writeFileAtomic } from './fs-util.js';
import { assertRelativePath } from './relative-path.js';

/** A file to create for a replica. */
export interface MaterialFile {
  /** Relative to the replica's directory, `/`-separated. */
  path: string;
  content: string;
  /** Permission bits: 0o400 for secrets, 0o444 for config maps. */
  mode: number;
}

/**
 * Writes `files` under `dir`, the replica's own directory (created with mode 0700; subdirectories too),
 * and returns their absolute paths. Refuses any path that is absolute or uses `..`, and any that a symlink
 * inside `dir` would lead elsewhere. Each file is replaced atomically, so a replica restarted after a
 * secret rotation never reads half a certificate, and read-only files from the last start are no obstacle.
 */
export async function materializeFiles(dir: string, files: readonly MaterialFile[]): Promise<string[]> {
  for (const file of files) assertRelativePath(file.path);
  const root = resolve(dir);
  await makePrivateDir(root);
  const realRoot = await realpath(root);
  const written: string[] = [];
  for (const file of files) {
    const target = resolve(root, ...file.path.split('/'));
    if (!isWithin(root, target) || target === root)
      throw new FilePathError(file.path, `file path "${file.path}" escapes ${root}`);
    const parent = dirname(target);
    await makePrivateDir(parent);
    // A symlinked directory inside dir could point anywhere: check where the parent really is.
    if (!isWithin(realRoot, await realpath(parent))) {
      throw new FilePathError(file.path, `file path "${file.path}" leads outside ${root} through a symlink`);
    }
    await writeFileAtomic(target, file.content, { mode: file.mode });
    written.push(target);
  }
  return written;
}

/** Deletes a replica's materialized files (call when the replica stops, so secrets do not linger). */
export async function removeMaterializedFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

async function makePrivateDir(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir's mode is reduced by the umask; make what we created exactly 0700.
  if (first !== undefined) {
    for (let current = path; ; current = dirname(current)) {
      await chmod(current, 0o700);
      if (current === first || dirname(current) === current) break;
    }
  }
}

/** True if `path` is `root` or below it. */
function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
