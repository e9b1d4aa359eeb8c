import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode } from '../secrets/fs-util.js';
import { createCertificateAuthority } from './certificate-authority.js';
import {
  DATA_LINK,
  readIdentityDir,
  removeIdentityDir,
  writeIdentityDir,
  type IdentityMaterial,
} from './identity-dir.js';

let base: string;
let dir: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'opsloop-identity-'));
  dir = join(base, 'identity', 'cart-0');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const NAMES = ['ca.crt', 'tls.crt', 'tls.key'] as const;
const mode = async (path: string) => (await stat(path)).mode & 0o777;
const material = (n: number): IdentityMaterial => ({
  caPem: `CA ${n}\n`,
  certPem: `CERT ${n}\n`,
  keyPem: `KEY ${n}\n`,
});
const generations = async () =>
  (await readdir(dir)).filter((name) => name.startsWith('..') && name !== DATA_LINK);

describe('writeIdentityDir', () => {
  it('lays out the projected-volume form: names → ..data/<name>, ..data → one generation', async () => {
    await writeIdentityDir(dir, material(1));
    for (const name of NAMES) {
      expect((await lstat(join(dir, name))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(dir, name))).toBe(`${DATA_LINK}/${name}`);
    }
    const [generation] = await generations();
    expect(generation).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    expect(await readlink(join(dir, DATA_LINK))).toBe(generation);
    expect(await readFile(join(dir, 'ca.crt'), 'utf8')).toBe('CA 1\n');
    expect(await readFile(join(dir, 'tls.crt'), 'utf8')).toBe('CERT 1\n');
    expect(await readFile(join(dir, 'tls.key'), 'utf8')).toBe('KEY 1\n');
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(base, 'identity'))).toBe(0o700);
    expect(await mode(join(dir, 'tls.key'))).toBe(0o600);
    expect(await mode(join(dir, 'tls.crt'))).toBe(0o644);
    expect(await mode(join(dir, 'ca.crt'))).toBe(0o644);
  });

  it('swaps to a new generation and removes the old one', async () => {
    await writeIdentityDir(dir, material(1));
    const [first] = await generations();
    await writeIdentityDir(dir, material(2));
    const after = await generations();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);
    expect(await readFile(join(dir, 'tls.crt'), 'utf8')).toBe('CERT 2\n');
    expect(await readIdentityDir(dir)).toEqual(material(2));
    expect((await readdir(dir)).sort()).toEqual([DATA_LINK, after[0], ...NAMES].sort());
  });

  it('repairs what a crash or another program left: stale generations, ..data_tmp, plain files, a wide mode', async () => {
    await mkdir(join(dir, '..2020_01_01_00_00_00.stale'), { recursive: true, mode: 0o755 });
    await writeFile(join(dir, '..2020_01_01_00_00_00.stale', 'tls.key'), 'OLD KEY');
    await symlink('nowhere', join(dir, '..data_tmp'));
    await writeFile(join(dir, 'tls.crt'), 'PLAIN FILE');
    await writeIdentityDir(dir, material(3));
    expect(await generations()).toHaveLength(1);
    expect(await readlink(join(dir, 'tls.crt'))).toBe(`${DATA_LINK}/tls.crt`);
    expect(await readIdentityDir(dir)).toEqual(material(3));
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp') || name === '..data_tmp')).toEqual([]);
    expect(await mode(dir)).toBe(0o700);
  });

  it('never shows a reader a missing file while it swaps, and readIdentityDir never a mixed pair', async () => {
    // Real key pairs, so "mixed" means what a TLS stack would reject.
    const ca = await createCertificateAuthority({ clock: systemClock });
    const pairs: IdentityMaterial[] = [];
    for (let i = 0; i < 4; i++) {
      const issued = await ca.issue({ service: 'cart', instance: 'cart-0', ttlMs: 3_600_000 });
      pairs.push({ caPem: ca.caPem, certPem: issued.certPem, keyPem: issued.keyPem });
    }
    const keyOf = new Map(pairs.map((pair) => [pair.certPem, pair.keyPem]));
    await writeIdentityDir(dir, pairs[0] as IdentityMaterial);

    let writing = true;
    // Readers count what they see instead of throwing, so the writer always runs to the end.
    const byName = { reads: 0, missing: 0, mixed: 0, other: [] as unknown[] };
    const byGeneration = { reads: 0, mixed: 0, other: [] as unknown[] };
    const readByName = async () => {
      while (writing) {
        try {
          const [caPem, certPem, keyPem] = await Promise.all(
            NAMES.map((name) => readFile(join(dir, name), 'utf8')),
          );
          byName.reads++;
          if (caPem !== ca.caPem) byName.other.push(new Error('wrong ca.crt'));
          // Reading the names one by one may straddle a swap: the new cert with the old key. Tolerated here,
          // and the reason consumers read through readIdentityDir's recipe (or validate and retry).
          if (keyOf.get(certPem ?? '') !== keyPem) byName.mixed++;
        } catch (error) {
          if (errorCode(error) === 'ENOENT') byName.missing++;
          else byName.other.push(error);
        }
      }
    };
    const readByGeneration = async () => {
      while (writing) {
        try {
          const read = await readIdentityDir(dir);
          byGeneration.reads++;
          if (read.caPem !== ca.caPem) byGeneration.other.push(new Error('wrong ca.crt'));
          if (keyOf.get(read.certPem) !== read.keyPem) byGeneration.mixed++;
        } catch (error) {
          byGeneration.other.push(error);
        }
      }
    };
    // 100 swaps, or fewer (at least 20) if a busy machine makes them slow: the test stays well within its timeout.
    let swaps = 0;
    const writer = async () => {
      const deadline = Date.now() + 4_000;
      try {
        while (swaps < 100 && (swaps < 20 || Date.now() < deadline)) {
          swaps++;
          await writeIdentityDir(dir, pairs[swaps % pairs.length] as IdentityMaterial);
        }
      } finally {
        writing = false;
      }
    };
    await Promise.all([writer(), readByName(), readByGeneration()]);

    expect(byName.missing).toBe(0);
    expect(byName.other).toEqual([]);
    expect(byGeneration.mixed).toBe(0);
    expect(byGeneration.other).toEqual([]);
    // The readers really ran during the swaps.
    expect(swaps).toBeGreaterThanOrEqual(20);
    expect(byName.reads).toBeGreaterThan(10);
    expect(byGeneration.reads).toBeGreaterThan(10);
    expect(await generations()).toHaveLength(1);
  });
});

describe('removeIdentityDir', () => {
  it('removes the directory and everything in it, and tolerates a missing one', async () => {
    await writeIdentityDir(dir, material(1));
    await removeIdentityDir(dir);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(removeIdentityDir(dir)).resolves.toBeUndefined();
  });
});
