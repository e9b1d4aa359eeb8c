import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkConfigMapRefs,
  configMapsSchema,
  injectRefsSchema,
  resolveRefs,
  type ConfigMap,
  type InjectRef,
  type SecretReader,
} from './config-refs.js';
import { ConfigRefError } from './errors.js';
import { SecretKey } from './secret-key.js';
import { openSecretStore, type SecretData, type SecretStore } from './secret-store.js';

const PASSWORD = 'pa55-w0rd-value';

let dir: string;
let store: SecretStore;
let configMaps: Record<string, ConfigMap>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsloop-refs-'));
  store = await openSecretStore({ file: join(dir, 'secrets.enc.json'), key: SecretKey.generate() });
  await store.set('db', { user: 'shop', password: PASSWORD });
  await store.set('tls', { cert: 'CERT-PEM', key: 'KEY-PEM' });
  configMaps = configMapsSchema.parse({
    'shop-settings': { data: { CURRENCY: 'EUR', PAGE_SIZE: 20, FEATURE_X: true } },
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refs = (input: unknown): InjectRef[] => injectRefsSchema.parse(input);

/** The messages zod gives for `input`, as `path: message`. */
function problems(input: unknown): string[] {
  const result = injectRefsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

function refError(run: () => unknown): ConfigRefError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigRefError) return error;
    throw error;
  }
  throw new Error('expected a ConfigRefError');
}

describe('injectRefsSchema', () => {
  it('accepts the documented shapes', () => {
    expect(
      refs([
        { secret: 'db', key: 'password', env: 'DB_PASSWORD' },
        { secret: 'tls', key: 'cert', file: 'certs/tls.crt' },
        { configMap: 'shop-settings' },
        { configMap: 'shop-settings', prefix: 'SHOP_' },
      ]),
    ).toHaveLength(4);
    expect(injectRefsSchema.parse(undefined)).toEqual([]);
  });

  it('names the field at fault', () => {
    expect(problems([{ secret: 'db', configMap: 'x', key: 'k', env: 'E' }])).toEqual([
      '0.configMap: expected either secret or configMap, not both',
    ]);
    expect(problems([{ key: 'k', env: 'E' }])).toEqual([
      '0: expected `secret: <name>` or `configMap: <name>`',
    ]);
    expect(problems([{ secret: 'db', key: 'password' }])).toEqual([
      '0.key: expected `env:` or `file:` to say where the value goes',
    ]);
    expect(problems([{ secret: 'db', key: 'password', env: 'A', file: 'a' }])).toEqual([
      '0.file: expected either env or file, not both (write two entries)',
    ]);
    expect(problems([{ secret: 'db', file: 'a' }])).toEqual(['0.file: file needs a key']);
    expect(problems([{ secret: 'db', key: 'password', env: '1BAD' }])[0]).toMatch(
      /^0\.env: expected an environment/,
    );
    expect(problems([{ secret: 'DB', key: 'password', env: 'A' }])[0]).toMatch(
      /^0\.secret: expected lower-case/,
    );
    expect(problems([{ secret: 'db', key: 'password', env: 'A', extra: 1 }])[0]).toMatch(/extra/);
  });

  it('refuses file paths that leave the replica directory', () => {
    for (const file of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', 'C:/x', 'a\\b']) {
      expect(problems([{ secret: 'tls', key: 'cert', file }]), file).toHaveLength(1);
    }
  });

  it('refuses two entries for the same env var or file', () => {
    expect(
      problems([
        { secret: 'db', key: 'password', env: 'PW' },
        { configMap: 'shop-settings', key: 'CURRENCY', env: 'PW' },
        { secret: 'tls', key: 'cert', file: 'x' },
        { secret: 'tls', key: 'key', file: 'x' },
      ]),
    ).toEqual(['1.env: PW is already set by entry 0', '3.file: x is already set by entry 2']);
  });
});

describe('configMapsSchema', () => {
  it('turns numbers and booleans into strings, like a Kubernetes ConfigMap', () => {
    expect(configMaps['shop-settings']!.data).toEqual({
      CURRENCY: 'EUR',
      PAGE_SIZE: '20',
      FEATURE_X: 'true',
    });
  });

  it('refuses bad names and keys', () => {
    expect(configMapsSchema.safeParse({ Bad: { data: {} } }).success).toBe(false);
    expect(configMapsSchema.safeParse({ good: { data: { 'a/b': 'x' } } }).success).toBe(false);
  });
});

describe('resolveRefs', () => {
  it('injects secret and config map keys as env vars and files', () => {
    const resolved = resolveRefs(
      refs([
        { secret: 'db', key: 'password', env: 'DB_PASSWORD' },
        { secret: 'tls', key: 'cert', file: 'certs/tls.crt' },
        { configMap: 'shop-settings', key: 'CURRENCY', file: 'settings/currency' },
        { configMap: 'shop-settings', prefix: 'SHOP_' },
      ]),
      { service: 'orders', store, configMaps },
    );
    expect(resolved.env).toEqual({
      DB_PASSWORD: PASSWORD,
      SHOP_CURRENCY: 'EUR',
      SHOP_PAGE_SIZE: '20',
      SHOP_FEATURE_X: 'true',
    });
    expect(resolved.files).toEqual([
      { path: 'certs/tls.crt', content: 'CERT-PEM', mode: 0o400 },
      { path: 'settings/currency', content: 'EUR', mode: 0o444 },
    ]);
    expect(resolved.secretValues).toEqual([
      { name: 'db/password', value: PASSWORD },
      { name: 'tls/cert', value: 'CERT-PEM' },
    ]);
    expect(resolved.secretRevisions).toEqual({ db: 1, tls: 2 });
  });

  it('lets a one-key entry win over a whole-map entry, whatever the order', () => {
    const resolved = resolveRefs(
      refs([
        { secret: 'db', key: 'user', env: 'CURRENCY' },
        { configMap: 'shop-settings' },
        { secret: 'db' },
      ]),
      { service: 'orders', store, configMaps },
    );
    expect(resolved.env).toMatchObject({
      CURRENCY: 'shop',
      user: 'shop',
      password: PASSWORD,
      PAGE_SIZE: '20',
    });
    expect(resolved.secretValues.map((v) => v.name).sort()).toEqual(['db/password', 'db/user']);
  });

  it('names the service and every failing entry; key names, never values', () => {
    const error = refError(() =>
      resolveRefs(
        refs([
          { secret: 'missing', key: 'password', env: 'A' },
          { secret: 'db', key: 'pasword', env: 'B' },
          { configMap: 'nope', key: 'X', env: 'C' },
          { configMap: 'shop-settings', key: 'NOPE', env: 'D' },
        ]),
        { service: 'orders', store, configMaps },
      ),
    );
    expect(error.service).toBe('orders');
    expect(error.problems).toEqual([
      'inject[0] (secret "missing", key "password"): secret "missing" not found in the secret store',
      'inject[1] (secret "db", key "pasword"): secret "db" has no key "pasword" (keys: password, user)',
      'inject[2] (configMap "nope", key "X"): config map "nope" not found (define it under configMaps: in the spec)',
      'inject[3] (configMap "shop-settings", key "NOPE"): config map "shop-settings" has no key "NOPE" (keys: CURRENCY, FEATURE_X, PAGE_SIZE)',
    ]);
    expect(error.message).toMatch(/^service "orders": inject\[0\]/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses keys that cannot be env var names when injecting a whole map', () => {
    const reader: SecretReader = {
      get: (): SecretData => ({ 'tls.crt': 'CERT' }),
      metadataOf: () => ({ name: 'tls', revision: 7, updatedAt: '2025-01-01T00:00:00.000Z' }),
    };
    const error = refError(() =>
      resolveRefs(refs([{ secret: 'tls' }]), { service: 's', store: reader, configMaps }),
    );
    expect(error.problems).toEqual([
      'inject[0] (secret "tls"): key "tls.crt" is not a valid env var name; use key: and env: for it',
    ]);
  });

  it('reports a secret that does not decrypt as a problem of the entry', async () => {
    const file = join(dir, 'secrets.enc.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, { tag: string }> };
    json.entries.db!.tag = Buffer.alloc(16).toString('base64');
    await writeFile(file, JSON.stringify(json));
    await store.reload();
    const error = refError(() =>
      resolveRefs(refs([{ secret: 'db', key: 'password', env: 'A' }]), {
        service: 'orders',
        store,
        configMaps,
      }),
    );
    expect(error.problems).toEqual([
      `inject[0] (secret "db", key "password"): cannot decrypt secret "db" in ${file}: wrong key or tampered file`,
    ]);
  });
});

describe('checkConfigMapRefs', () => {
  it('finds references to unknown config maps and keys, for spec validation', () => {
    expect(
      checkConfigMapRefs(
        refs([
          { configMap: 'shop-settings', key: 'CURRENCY', env: 'A' },
          { configMap: 'nope' },
          { configMap: 'shop-settings', key: 'NOPE', env: 'B' },
          { secret: 'db', key: 'x', env: 'C' },
        ]),
        configMaps,
      ),
    ).toEqual([
      { path: [1, 'configMap'], message: 'unknown config map "nope"' },
      { path: [2, 'key'], message: 'config map "shop-settings" has no key "NOPE"' },
    ]);
  });
});
