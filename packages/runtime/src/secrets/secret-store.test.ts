import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretDecryptError, SecretInputError, SecretStoreError } from './errors.js';
import { SecretKey } from './secret-key.js';
import { defaultSecretStorePath, openSecretStore, readStoreKeyId } from './secret-store.js';

const PASSWORD = 'hunter2-correct-horse';

let dir: string;
let file: string;
let key: SecretKey;
let clock: Date;
const now = () => clock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsloop-store-'));
  file = defaultSecretStorePath(join(dir, '.opsloop'));
  key = SecretKey.generate();
  clock = new Date('2025-01-02T03:04:05.000Z');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type StoreFile = {
  keyId: string;
  entries: Record<
    string,
    { nonce: string; ciphertext: string; tag: string; revision: number; updatedAt: string }
  >;
};

const readJson = async (): Promise<StoreFile> => JSON.parse(await readFile(file, 'utf8')) as StoreFile;
const writeJson = async (json: StoreFile) => writeFile(file, JSON.stringify(json));

/** The error a sync or async call throws. */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Flips one bit of a base64 string's decoded bytes. */
function flip(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = bytes[index]! ^ 1;
  return bytes.toString('base64');
}

describe('SecretStore', () => {
  it('round-trips secrets through the encrypted file, which holds no plaintext', async () => {
    const store = await openSecretStore({ file, key, now });
    await store.set('db', { user: 'shop', password: PASSWORD });
    await store.setKey('tls', 'cert', '-----BEGIN CERTIFICATE-----');

    const reopened = await openSecretStore({ file, key });
    expect(reopened.get('db')).toEqual({ user: 'shop', password: PASSWORD });
    expect(reopened.getKey('db', 'password')).toBe(PASSWORD);
    expect(reopened.getKey('db', 'missing')).toBeUndefined();
    expect(reopened.get('nope')).toBeUndefined();
    expect(reopened.names()).toEqual(['db', 'tls']);

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('shop');
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.opsloop'))).mode & 0o777).toBe(0o700);
    expect(await readStoreKeyId(file)).toBe(key.id);
  });

  it('shows metadata, never values, in metadata(), JSON and inspect', async () => {
    const store = await openSecretStore({ file, key, now });
    await store.set('db', { password: PASSWORD });
    expect(store.metadata()).toEqual([{ name: 'db', revision: 1, updatedAt: '2025-01-02T03:04:05.000Z' }]);
    for (const text of [JSON.stringify(store.metadata()), JSON.stringify(store), inspect(store)]) {
      expect(text).toContain('db');
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('gives every write a new, store-wide revision, even after delete and re-create', async () => {
    const store = await openSecretStore({ file, key, now });
    expect((await store.set('db', { password: 'first-value' })).revision).toBe(1);
    expect((await store.set('api', { token: 'token-value' })).revision).toBe(2);
    clock = new Date('2025-02-01T00:00:00.000Z');
    const updated = await store.setKey('db', 'user', 'shop');
    expect(updated).toEqual({ name: 'db', revision: 3, updatedAt: '2025-02-01T00:00:00.000Z' });
    expect(store.get('db')).toEqual({ password: 'first-value', user: 'shop' });
    expect(await store.delete('db')).toBe(true);
    expect(await store.delete('db')).toBe(false);
    expect(store.metadataOf('db')).toBeUndefined();
    expect((await store.set('db', { password: 'again' })).revision).toBe(4);
  });

  it('refuses a wrong key with a clear message, not a crypto stack', async () => {
    const store = await openSecretStore({ file, key });
    await store.set('db', { password: PASSWORD });
    const error = await thrown(() => openSecretStore({ file, key: SecretKey.generate() }));
    expect(error).toBeInstanceOf(SecretDecryptError);
    expect((error as Error).message).toMatch(/^cannot decrypt .*: wrong key or tampered file/);
    expect((error as Error).message).toContain(file);
  });

  it('refuses a wrong key even when the file claims the right key id', async () => {
    const store = await openSecretStore({ file, key });
    await store.set('db', { password: PASSWORD });
    const other = SecretKey.generate();
    await writeJson({ ...(await readJson()), keyId: other.id });
    const forged = await openSecretStore({ file, key: other });
    const error = await thrown(() => forged.get('db'));
    expect(error).toBeInstanceOf(SecretDecryptError);
    expect((error as SecretDecryptError).secret).toBe('db');
    expect((error as Error).message).toBe(
      `cannot decrypt secret "db" in ${file}: wrong key or tampered file`,
    );
  });

  it('detects a tampered ciphertext, tag, nonce or revision', async () => {
    const store = await openSecretStore({ file, key });
    await store.set('db', { password: PASSWORD });
    const original = await readJson();
    const entry = original.entries.db!;
    for (const tampered of [
      { ...entry, ciphertext: flip(entry.ciphertext, 3) },
      { ...entry, tag: flip(entry.tag) },
      { ...entry, nonce: flip(entry.nonce) },
      { ...entry, revision: entry.revision + 1 },
      { ...entry, updatedAt: '2030-01-01T00:00:00.000Z' },
    ]) {
      await writeJson({ ...original, entries: { db: tampered } });
      const reopened = await openSecretStore({ file, key });
      expect(() => reopened.get('db')).toThrow(SecretDecryptError);
      expect(() => reopened.verify()).toThrow(/secret "db".*wrong key or tampered file/);
    }
  });

  it('binds each entry to its name: swapped or renamed entries do not decrypt', async () => {
    const store = await openSecretStore({ file, key });
    await store.set('db', { password: 'database-secret' });
    await store.set('api', { token: 'api-token-value' });
    const original = await readJson();
    const { db, api } = original.entries;
    // Same revisions, so only the name (the associated data) differs.
    await writeJson({
      ...original,
      entries: { db: { ...api!, revision: db!.revision }, api: { ...db!, revision: api!.revision } },
    });
    let reopened = await openSecretStore({ file, key });
    expect(() => reopened.get('db')).toThrow(SecretDecryptError);
    expect(() => reopened.get('api')).toThrow(SecretDecryptError);

    await writeJson({ ...original, entries: { renamed: db! } });
    reopened = await openSecretStore({ file, key });
    expect(() => reopened.get('renamed')).toThrow(SecretDecryptError);
  });

  it('rotates the key: the old key no longer opens the store, the new one does', async () => {
    const store = await openSecretStore({ file, key, now });
    await store.set('db', { password: PASSWORD });
    await store.set('api', { token: 'api-token-value' });
    const before = store.metadata();
    const newKey = SecretKey.generate();
    await store.rotateKey(newKey);

    expect(store.keyId).toBe(newKey.id);
    expect(store.get('db')).toEqual({ password: PASSWORD });
    await expect(openSecretStore({ file, key })).rejects.toThrow(SecretDecryptError);
    const reopened = await openSecretStore({ file, key: newKey });
    expect(reopened.get('db')).toEqual({ password: PASSWORD });
    expect(reopened.get('api')).toEqual({ token: 'api-token-value' });
    reopened.verify();
    // Values did not change, so revisions (which trigger restarts) do not either.
    expect(reopened.metadata()).toEqual(before);
  });

  it('leaves the old file intact when a rotation crashes before the rename', async () => {
    let failRename = false;
    const store = await openSecretStore({
      file,
      key,
      rename: async (from, to) => {
        if (failRename) throw Object.assign(new Error('simulated crash'), { code: 'EIO' });
        const { rename } = await import('node:fs/promises');
        await rename(from, to);
      },
    });
    await store.set('db', { password: PASSWORD });
    const before = await readFile(file);
    failRename = true;
    const newKey = SecretKey.generate();
    const error = await thrown(() => store.rotateKey(newKey));
    expect(error).toBeInstanceOf(SecretStoreError);
    expect((error as Error).message).toContain('previous file is unchanged');

    expect((await readFile(file)).equals(before)).toBe(true);
    expect(await readdir(join(dir, '.opsloop'))).toEqual(['secrets.enc.json']);
    expect((await openSecretStore({ file, key })).get('db')).toEqual({ password: PASSWORD });
    await expect(openSecretStore({ file, key: newKey })).rejects.toThrow(SecretDecryptError);
    // The open store still works with the old key.
    expect(store.keyId).toBe(key.id);
    expect(store.get('db')).toEqual({ password: PASSWORD });
  });

  it('refuses bad names, keys and values with the field named and no value echoed', async () => {
    const store = await openSecretStore({ file, key });
    const cases: [() => Promise<unknown>, string][] = [
      [() => store.set('Bad_Name', { a: 'x' }), 'name'],
      [() => store.set('-db', { a: 'x' }), 'name'],
      [() => store.set('db', { 'bad/key': PASSWORD }), 'key'],
      [() => store.set('db', { password: 42 as unknown as string }), 'value'],
      [() => store.set('db', 'not-a-map' as unknown as Record<string, string>), 'value'],
      [() => store.setKey('db', '..', PASSWORD), 'key'],
      [() => store.set('db', { big: 'x'.repeat(1024 * 1024 + 1) }), 'value'],
    ];
    for (const [run, field] of cases) {
      const error = await thrown(run);
      expect(error).toBeInstanceOf(SecretInputError);
      expect((error as SecretInputError).field).toBe(field);
      expect((error as Error).message).not.toContain(PASSWORD);
    }
    expect(store.names()).toEqual([]);
  });

  it('accepts Kubernetes-style names and keys', async () => {
    const store = await openSecretStore({ file, key });
    await store.set('shop.db-primary', { 'tls.crt': 'cert-data', DB_PASSWORD: 'pw-value' });
    expect(store.names()).toEqual(['shop.db-primary']);
  });

  it('reports a file that is not a store, naming it', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{not json');
    await expect(openSecretStore({ file: broken, key })).rejects.toThrow(`${broken} is not a secrets store`);
    await writeFile(broken, JSON.stringify({ version: 9, keyId: 'x', revision: 0, entries: {} }));
    await expect(openSecretStore({ file: broken, key })).rejects.toThrow(/version/);
  });

  it('serialises concurrent writes and picks up writes made by another process', async () => {
    const store = await openSecretStore({ file, key });
    const other = await openSecretStore({ file, key });
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.setKey('many', `k${i}`, `value-${i}`)));
    expect(Object.keys(store.get('many')!).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    // `other` writes on top of the file's latest content, not its stale copy.
    await other.set('api', { token: 'api-token-value' });
    expect(other.names()).toEqual(['api', 'many']);
    expect(store.names()).toEqual(['many']);
    await store.reload();
    expect(store.names()).toEqual(['api', 'many']);
  });
});
