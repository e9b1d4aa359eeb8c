import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRelease, pruneReleases } from './release.js';

let root: string;
let source: string;
let releasesDir: string;

async function put(path: string, content: string) {
  await mkdir(join(source, path, '..'), { recursive: true });
  await writeFile(join(source, path), content);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'opsloop-release-'));
  source = join(root, 'src');
  releasesDir = join(source, '.opsloop', 'pipeline', 'releases');
  await put('package.json', '{"name":"root","workspaces":["packages/*"]}');
  await put('packages/kit/package.json', '{"name":"@acme/kit"}');
  await put('packages/kit/dist/index.js', 'export const v = 1;');
  await put('services/api/dist/main.js', 'import "@acme/kit";');
  await put('services/api/src/main.ts', 'source, not released');
  await put('node_modules/left-pad/index.js', 'module.exports = 1;');
  await put('.opsloop/data/db', 'state, never released');
  await mkdir(join(source, 'node_modules', '@acme'), { recursive: true });
  await symlink('../../packages/kit', join(source, 'node_modules', '@acme', 'kit'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const include = ['package.json', 'packages/*/package.json', 'packages/*/dist/**', 'services/*/dist/**'];

describe('makeRelease', () => {
  it('copies the included files, links dependencies, and points workspace packages at its own copy', async () => {
    const release = await makeRelease({ sourceDir: source, releasesDir, include, exclude: [] });
    expect(release.created).toBe(true);
    expect(release.id).toMatch(/^[0-9a-f]{12}$/);
    expect(release.files).toEqual([
      'package.json',
      'packages/kit/dist/index.js',
      'packages/kit/package.json',
      'services/api/dist/main.js',
    ]);
    expect(await readFile(join(release.dir, 'services/api/dist/main.js'), 'utf8')).toBe(
      'import "@acme/kit";',
    );
    // Third-party packages: a link to the source's; a workspace package: a relative link inside the release.
    expect(await readlink(join(release.dir, 'node_modules', 'left-pad'))).toBe(
      join(source, 'node_modules', 'left-pad'),
    );
    expect(await readlink(join(release.dir, 'node_modules', '@acme', 'kit'))).toBe('../../packages/kit');
    await put('packages/kit/dist/index.js', 'export const v = 2;');
    expect(await readFile(join(release.dir, 'node_modules/@acme/kit/dist/index.js'), 'utf8')).toBe(
      'export const v = 1;',
    );
  });

  it('names a release by its contents: the same tree gives the same release, a change a new one', async () => {
    const first = await makeRelease({ sourceDir: source, releasesDir, include, exclude: [] });
    const again = await makeRelease({ sourceDir: source, releasesDir, include, exclude: [] });
    expect(again).toMatchObject({ id: first.id, created: false });
    // Extras (an SBOM) are shipped but not hashed.
    const withSbom = await makeRelease({
      sourceDir: source,
      releasesDir,
      include,
      exclude: [],
      extras: { 'sbom.cdx.json': '{}' },
    });
    expect(withSbom.id).toBe(first.id);
    await put('services/api/dist/main.js', 'import "@acme/kit"; // fixed');
    const changed = await makeRelease({ sourceDir: source, releasesDir, include, exclude: [] });
    expect(changed.id).not.toBe(first.id);
    expect(changed.created).toBe(true);
  });

  it('never takes node_modules, .git or .opsloop, and honours exclude', async () => {
    const release = await makeRelease({
      sourceDir: source,
      releasesDir,
      include: ['**'],
      exclude: ['services/*/src/**'],
    });
    expect(
      release.files.some(
        (f) => f.includes('node_modules') || f.startsWith('.opsloop') || f.includes('/src/'),
      ),
    ).toBe(false);
    expect((await lstat(join(release.dir, 'node_modules'))).isDirectory()).toBe(true);
  });

  it('refuses an include that matches nothing', async () => {
    await expect(
      makeRelease({ sourceDir: source, releasesDir, include: ['nothing/**'], exclude: [] }),
    ).rejects.toThrow(/no file .* matches release.include/);
  });
});

describe('pruneReleases', () => {
  it('keeps the newest and those in use', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      await put('services/api/dist/main.js', `v${i}`);
      ids.push((await makeRelease({ sourceDir: source, releasesDir, include, exclude: [] })).id);
      await new Promise((r) => setTimeout(r, 20));
    }
    const removed = await pruneReleases(releasesDir, 2, new Set([ids[0]!]));
    expect(removed).toEqual([ids[1]]);
  });
});
