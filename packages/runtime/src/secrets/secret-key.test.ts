import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretKeyError } from './errors.js';
import {
  SecretKey,
  defaultSecretKeyPath,
  loadSecretKey,
  readSecretKeyFile,
  writeSecretKeyFile,
} from './secret-key.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'opsloop-key-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<SecretKeyError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretKeyError);
  return error as SecretKeyError;
}

describe('defaultSecretKeyPath', () => {
  it('prefers OPSLOOP_SECRETS_KEY_FILE', () => {
    const env = { OPSLOOP_SECRETS_KEY_FILE: '/keys/k', XDG_CONFIG_HOME: '/xdg' };
    expect(defaultSecretKeyPath({ env, homeDir: home })).toBe('/keys/k');
  });

  it('uses $XDG_CONFIG_HOME/opsloop/secrets.key, else ~/.config/opsloop/secrets.key', () => {
    expect(defaultSecretKeyPath({ env: { XDG_CONFIG_HOME: '/xdg' }, homeDir: home })).toBe(
      '/xdg/opsloop/secrets.key',
    );
    expect(defaultSecretKeyPath({ env: {}, homeDir: home })).toBe(
      join(home, '.config', 'opsloop', 'secrets.key'),
    );
  });

  it('ignores a relative XDG_CONFIG_HOME, as the XDG spec says', () => {
    expect(defaultSecretKeyPath({ env: { XDG_CONFIG_HOME: 'rel' }, homeDir: home })).toBe(
      join(home, '.config', 'opsloop', 'secrets.key'),
    );
  });
});

describe('loadSecretKey', () => {
  it('creates a 32-byte key on first use, mode 0600 in a 0700 directory, and reads it back after', async () => {
    const first = await loadSecretKey({ env: {}, homeDir: home });
    const path = join(home, '.config', 'opsloop', 'secrets.key');
    expect(first.path).toBe(path);
    expect(first.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, '.config', 'opsloop'))).mode & 0o777).toBe(0o700);
    const bytes = await readFile(path);
    expect(bytes.length).toBe(32);
    expect(bytes.equals(first.key.bytes())).toBe(true);

    const second = await loadSecretKey({ env: {}, homeDir: home });
    expect(second.created).toBe(false);
    expect(second.key.id).toBe(first.key.id);
  });

  it('refuses a key file readable by others, naming the path and the fix', async () => {
    const path = join(home, 'secrets.key');
    await writeSecretKeyFile(path, SecretKey.generate());
    await chmod(path, 0o644);
    const error = await rejection(loadSecretKey({ path }));
    expect(error.problem).toBe('permissions');
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.message).toContain('0644');
  });

  it('refuses a key file readable by the group only', async () => {
    const path = join(home, 'secrets.key');
    await writeSecretKeyFile(path, SecretKey.generate());
    await chmod(path, 0o640);
    expect((await rejection(readSecretKeyFile(path))).problem).toBe('permissions');
  });

  it('does not create a key when told not to', async () => {
    const path = join(home, 'missing.key');
    const error = await rejection(loadSecretKey({ path, create: false }));
    expect(error.problem).toBe('missing');
    expect(error.message).toContain(path);
  });

  it('accepts a key written as 64 hex digits or base64 text', async () => {
    const key = SecretKey.generate();
    const hex = join(home, 'hex.key');
    await writeFile(hex, `${key.bytes().toString('hex')}\n`, { mode: 0o600 });
    expect((await readSecretKeyFile(hex)).id).toBe(key.id);
    const b64 = join(home, 'b64.key');
    await writeFile(b64, key.bytes().toString('base64'), { mode: 0o600 });
    expect((await readSecretKeyFile(b64)).id).toBe(key.id);
  });

  it('refuses a file that holds no 32-byte key', async () => {
    const path = join(home, 'short.key');
    await writeFile(path, 'too short', { mode: 0o600 });
    const error = await rejection(readSecretKeyFile(path));
    expect(error.problem).toBe('invalid');
    expect(error.message).toContain('32-byte');
  });
});

describe('writeSecretKeyFile', () => {
  it('never overwrites an existing key', async () => {
    const path = join(home, 'secrets.key');
    const original = SecretKey.generate();
    await writeSecretKeyFile(path, original);
    expect((await rejection(writeSecretKeyFile(path, SecretKey.generate()))).problem).toBe('exists');
    expect((await readSecretKeyFile(path)).id).toBe(original.id);
  });
});

describe('SecretKey', () => {
  it('shows only its id when printed', () => {
    const key = SecretKey.generate();
    const material = key.bytes().toString('hex');
    for (const text of [
      JSON.stringify({ key }),
      inspect(key),
      `${key.toString()}`,
      inspect({ nested: key }),
    ]) {
      expect(text).toContain(key.id);
      expect(text).not.toContain(material);
      expect(text).not.toContain(key.bytes().toString('base64'));
    }
  });

  it('refuses material that is not 32 bytes', () => {
    expect(() => new SecretKey(Buffer.alloc(16))).toThrow(SecretKeyError);
  });

  it('gives different keys different ids and the same key the same id', () => {
    const key = SecretKey.generate();
    expect(new SecretKey(key.bytes()).id).toBe(key.id);
    expect(SecretKey.generate().id).not.toBe(key.id);
  });
});
