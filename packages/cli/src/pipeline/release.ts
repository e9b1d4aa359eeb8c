import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { glob } from 'tinyglobby';

/** A release: an immutable copy of the files a deployment runs, named by the hash of their contents. */
export interface Release {
  id: string;
  dir: string;
  /** Its files, relative to the source directory, `/`-separated, sorted. */
  files: string[];
  /** False when a release with the same contents already existed (nothing copied). */
  created: boolean;
}

export interface ReleaseSource {
  sourceDir: string;
  releasesDir: string;
  include: readonly string[];
  exclude: readonly string[];
  /** Files added to the release but not to its hash (an SBOM, which carries its own date and serial). */
  extras?: Record<string, string>;
}

const MARKER = '.release.json';
// Never part of a release: dependencies are linked, the VCS and opsloop's own state stay behind.
const ALWAYS_EXCLUDED = ['**/node_modules/**', '.git/**', '**/.opsloop/**'];

/** The files a release of `source` holds. */
export async function releaseFiles(
  source: Pick<ReleaseSource, 'sourceDir' | 'include' | 'exclude'>,
): Promise<string[]> {
  const files = await glob([...source.include], {
    cwd: source.sourceDir,
    ignore: [...source.exclude, ...ALWAYS_EXCLUDED],
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
  });
  return files.map((f) => f.split(sep).join('/')).sort();
}

/** Hex digest over the files' names and contents: equal trees give equal releases. */
export async function contentId(sourceDir: string, files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update('\0');
    hash.update(
      createHash('sha256')
        .update(await readFile(join(sourceDir, file)))
        .digest(),
    );
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Makes the release of `source` (or finds the one with the same contents): its files copied into
 * `<releasesDir>/<id>/`, dependencies linked (see linkDependencies). Built beside and renamed into place, so a
 * release directory is either complete or absent.
 */
export async function makeRelease(source: ReleaseSource): Promise<Release> {
  const files = await releaseFiles(source);
  if (files.length === 0) throw new Error(`no file of ${source.sourceDir} matches release.include`);
  const id = await contentId(source.sourceDir, files);
  const dir = join(source.releasesDir, id);
  if (await exists(join(dir, MARKER))) return { id, dir, files, created: false };
  const building = join(source.releasesDir, `.building-${id}-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  for (const file of files) {
    const to = join(building, file);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(source.sourceDir, file), to, constants.COPYFILE_FICLONE);
  }
  for (const [name, content] of Object.entries(source.extras ?? {}))
    await writeFile(join(building, name), content);
  await linkDependencies(source.sourceDir, building, files);
  await writeFile(
    join(building, MARKER),
    `${JSON.stringify({ id, files: files.length, createdAt: new Date().toISOString() }, null, 2)}\n`,
  );
  await rm(dir, { recursive: true, force: true });
  await rename(building, dir);
  return { id, dir, files, created: true };
}

/**
 * Gives the release the source's dependencies without copying them: `node_modules` becomes a directory of
 * links, each to the source's package, except workspace packages (links back into the source tree), which
 * point at the release's own copy, so a release runs its own code throughout. A package directory of the
 * release whose source has its own `node_modules` (dependencies not hoisted) gets a link to it.
 */
export async function linkDependencies(
  sourceDir: string,
  releaseDir: string,
  files: readonly string[],
): Promise<void> {
  const realSource = await realpath(sourceDir);
  const inRelease = new Set(files);
  const packageDirs = new Set(files.filter((f) => f.endsWith('package.json')).map((f) => dirname(f)));
  for (const dir of packageDirs) {
    const modules = join(sourceDir, dir, 'node_modules');
    if (!(await exists(modules))) continue;
    if (dir === '.')
      await linkModulesDir(modules, join(releaseDir, 'node_modules'), realSource, releaseDir, inRelease);
    else await symlink(await realpath(modules), join(releaseDir, dir, 'node_modules'));
  }
}

async function linkModulesDir(
  from: string,
  to: string,
  realSource: string,
  releaseDir: string,
  inRelease: ReadonlySet<string>,
): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from)) {
    if (entry === '.package-lock.json' || entry === '.cache') continue;
    const path = join(from, entry);
    if (entry.startsWith('@') && (await lstat(path)).isDirectory()) {
      await linkModulesDir(path, join(to, entry), realSource, releaseDir, inRelease);
      continue;
    }
    const target = await realpath(path).catch(() => undefined);
    if (target === undefined) continue;
    const inside = relative(realSource, target);
    const workspace =
      inside !== '' &&
      !inside.startsWith('..') &&
      !isAbsolute(inside) &&
      !inside.split(sep).includes('node_modules');
    if (workspace && inRelease.has(`${inside.split(sep).join('/')}/package.json`))
      await symlink(relative(to, join(releaseDir, inside)), join(to, entry));
    else await symlink(target, join(to, entry));
  }
}

/** Removes old releases: keeps the `keep` newest and every one in `inUse`. */
export async function pruneReleases(
  releasesDir: string,
  keep: number,
  inUse: ReadonlySet<string>,
): Promise<string[]> {
  const entries = await readdir(releasesDir).catch(() => [] as string[]);
  const releases: { id: string; at: number }[] = [];
  for (const id of entries) {
    if (!/^[0-9a-f]{12}$/.test(id)) continue;
    const marker = await stat(join(releasesDir, id, MARKER)).catch(() => undefined);
    releases.push({ id, at: marker?.mtimeMs ?? 0 });
  }
  releases.sort((a, b) => b.at - a.at);
  const removed: string[] = [];
  for (const { id } of releases.slice(keep)) {
    if (inUse.has(id)) continue;
    await rm(join(releasesDir, id), { recursive: true, force: true });
    removed.push(id);
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
