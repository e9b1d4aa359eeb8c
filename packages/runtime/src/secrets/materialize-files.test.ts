import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePathError } from './errors.js';
import { materializeFiles, removeMaterializedFiles } from './materialize-files.js';

let base: string;
let dir: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'opsloop-files-'));
  dir = join(base, 'replicas', 'orders-1');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('materializeFiles', () => {
  it('writes secret files 0400 and config files 0444 in 0700 directories', async () => {
    const written = await materializeFiles(dir, [
      { path: 'certs/tls.crt', content: 'CERT', mode: 0o400 },
      { path: 'currency', content: 'EUR', mode: 0o444 },
    ]);
    expect(written).toEqual([join(dir, 'certs', 'tls.crt'), join(dir, 'currency')]);
    expect(await readFile(join(dir, 'certs', 'tls.crt'), 'utf8')).toBe('CERT');
    expect(await mode(join(dir, 'certs', 'tls.crt'))).toBe(0o400);
    expect(await mode(join(dir, 'currency'))).toBe(0o444);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, 'certs'))).toBe(0o700);
    expect(await mode(join(base, 'replicas'))).toBe(0o700);
  });

  it('replaces read-only files from a previous start', async () => {
    await materializeFiles(dir, [{ path: 'tls.crt', content: 'OLD', mode: 0o400 }]);
    await materializeFiles(dir, [{ path: 'tls.crt', content: 'NEW', mode: 0o400 }]);
    expect(await readFile(join(dir, 'tls.crt'), 'utf8')).toBe('NEW');
    expect(await readdir(dir)).toEqual(['tls.crt']);
  });

  it('refuses paths that escape the directory, before writing anything', async () => {
    for (const path of ['../escape', 'a/../../escape', '/tmp/escape', '', 'a/./b']) {
      await expect(
        materializeFiles(dir, [
          { path: 'ok', content: 'x', mode: 0o400 },
          { path, content: 'x', mode: 0o400 },
        ]),
        path,
      ).rejects.toThrow(FilePathError);
    }
    expect(await readdir(base)).toEqual([]);
  });

  it('refuses a path that a symlink inside the directory leads elsewhere', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await mkdir(dir, { recursive: true });
    await symlink(outside, join(dir, 'link'));
    const error: unknown = await materializeFiles(dir, [{ path: 'link/x', content: 'x', mode: 0o400 }]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FilePathError);
    expect((error as Error).message).toContain('symlink');
    expect(await readdir(outside)).toEqual([]);
  });

  it('removes the files again', async () => {
    await materializeFiles(dir, [{ path: 'a/b', content: 'x', mode: 0o400 }]);
    await removeMaterializedFiles(dir);
    await expect(stat(dir)).rejects.toThrow();
  });
});
