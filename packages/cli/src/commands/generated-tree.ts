import { lstat, mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { CliError } from '../cli-error.js';

/** Every regular file under a directory, as paths relative to it with `/` separators; none if it is missing. */
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, prefix), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(root, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function readIfFile(path: string): Promise<string | undefined> {
  try {
    if (!(await lstat(path)).isFile()) return undefined;
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes the now-empty directories a deleted file leaves, up to (not including) the root. */
async function pruneEmptyDirs(root: string, path: string): Promise<void> {
  for (let dir = dirname(join(root, path)); dir !== root && dir.startsWith(root + sep); dir = dirname(dir)) {
    if ((await readdir(dir)).length > 0) return;
    await rmdir(dir);
  }
}

/** What {@link writeGeneratedTree} needs. */
export interface GeneratedTree {
  /** `--out` as the user gave it (for messages). */
  out: string;
  /** Relative path → text of every file to write. */
  files: ReadonlyMap<string, string>;
  /** Whether a file's text says this command wrote it (its generated header). */
  isGenerated: (text: string) => boolean;
  /** The command, for the refusal message (`opsloop render kustomize`). */
  command: string;
}

/**
 * Writes a generated tree under `out`: files whose text changed are written, generated files no longer in the
 * tree are removed (with the directories they leave empty), and any other file in the way is refused with a
 * one-line error — a user's file is never overwritten. Prints one summary line.
 */
export async function writeGeneratedTree(tree: GeneratedTree): Promise<void> {
  const out = resolve(tree.out);
  const current = new Map<string, string>();
  for (const path of await listFiles(out)) {
    const text = await readIfFile(join(out, path));
    if (text !== undefined) current.set(path, text);
  }
  for (const path of tree.files.keys()) {
    const text = current.get(path);
    if (text !== undefined && !tree.isGenerated(text))
      throw new CliError(
        `${join(tree.out, path)} exists and was not written by ${tree.command}; move it or choose another --out`,
      );
  }
  let written = 0;
  for (const [path, text] of tree.files) {
    if (current.get(path) === text) continue;
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), text);
    written += 1;
  }
  let removed = 0;
  for (const [path, text] of current) {
    if (tree.files.has(path) || !tree.isGenerated(text)) continue;
    await rm(join(out, path));
    await pruneEmptyDirs(out, path);
    removed += 1;
  }
  const size = tree.files.size;
  process.stdout.write(
    `${tree.out}: ${size} files (${written} written, ${size - written} unchanged, ${removed} stale removed)\n`,
  );
}
