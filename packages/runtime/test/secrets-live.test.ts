import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../src/events.js';
import { createRuntime, type Runtime, type StartResult } from '../src/runtime.js';
import { loadSecretKey } from '../src/secrets/secret-key.js';
import { defaultSecretStorePath, openSecretStore } from '../src/secrets/secret-store.js';
import { parseSpec } from '../src/spec/load-spec.js';
import { waitFor, writeFakeService, type FakeServiceDir } from './fake-service.js';

const FIRST = 'first-secret-8f3a9c';
const SECOND = 'second-secret-47be21';

/**
 * Secrets and config maps end to end: injected as env and file, masked in every replica log, absent from
 * status, API answers and the audit log; rotating the secret rolls the service with no failed request.
 */
describe('secrets and config maps in a live runtime', () => {
  let fake: FakeServiceDir;
  let dir: string;
  let runtime: Runtime;
  let result: StartResult;
  const events: RuntimeEvent[] = [];
  const keyFileBefore = process.env.OPSLOOP_SECRETS_KEY_FILE;

  beforeAll(async () => {
    fake = await writeFakeService('opsloop-secrets-');
    dir = await mkdtemp(join(tmpdir(), 'opsloop-secrets-state-'));
    // Never the user's real key: a key file in the test's directory.
    process.env.OPSLOOP_SECRETS_KEY_FILE = join(dir, 'key', 'secrets.key');
    const stateDir = join(dir, '.opsloop');
    const store = await openSecretStore({
      file: defaultSecretStorePath(stateDir),
      key: (await loadSecretKey()).key,
    });
    await store.set('db', { password: FIRST, user: 'shop' });
    const text = `apiVersion: opsloop.dev/v1alpha1
kind: System
metadata: { name: secrets }
runtime: { bus: "off" }
configMaps:
  settings: { data: { MODE: blue } }
services:
  app:
    command: ${JSON.stringify([process.execPath, fake.script])}
    expose: { port: 0 }
    drainSeconds: 1
    env: { ECHO_VAR: DB_PASSWORD, READ_FILE: db/password }
    probes:
      readiness: { path: /readyz, periodSeconds: 1 }
    inject:
      - { secret: db, key: password, env: DB_PASSWORD }
      - { secret: db, key: password, file: db/password }
      - { configMap: settings, prefix: CFG_ }
`;
    runtime = createRuntime({
      loaded: { path: join(dir, 'opsloop.yaml'), dir, spec: parseSpec(text) },
      stateDir,
      onEvent: (event) => events.push(event),
    });
    result = await runtime.start(30_000);
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    if (keyFileBefore === undefined) delete process.env.OPSLOOP_SECRETS_KEY_FILE;
    else process.env.OPSLOOP_SECRETS_KEY_FILE = keyFileBefore;
    await rm(dir, { recursive: true, force: true });
    await fake?.remove();
  });

  const call = async (method: 'GET' | 'PUT', path: string, body?: unknown) => {
    const response = await request(`${result.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${runtime.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const app = async () =>
    (await (await request(`${result.endpoints.app}/`, { reset: true })).body.json()) as {
      echo: string;
      fileContent: string;
      instance: string;
    };
  /** Every file the runtime wrote under its state directory but the secret store (logs, audit, state). */
  async function everythingWritten(): Promise<string> {
    const texts: string[] = [];
    for (const sub of ['logs', '.']) {
      for (const name of await readdir(join(dir, '.opsloop', sub))) {
        if (!/\.(log|json)$/.test(name) || name === 'secrets.enc.json') continue;
        texts.push(await readFile(join(dir, '.opsloop', sub, name), 'utf8'));
      }
    }
    return texts.join('\n');
  }

  it('injects the secret as env and file, and the config map with a prefix', async () => {
    expect(result.ready).toBe(true);
    const body = await app();
    expect(body.echo).toBe(FIRST);
    expect(body.fileContent).toBe(FIRST);
  });

  it('never shows the value: replica logs are masked, status and the API carry names only', async () => {
    await waitFor('the replica log line', async () =>
      (await readFile(join(dir, '.opsloop', 'logs', 'app-1.log'), 'utf8')).includes('DB_PASSWORD is'),
    );
    const log = await readFile(join(dir, '.opsloop', 'logs', 'app-1.log'), 'utf8');
    expect(log).toContain('DB_PASSWORD is [REDACTED:db/password]');
    expect(log).not.toContain(FIRST);
    const listed = await call('GET', '/v1/secrets');
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"db"');
    expect(listed.text).not.toContain(FIRST);
    expect(JSON.stringify(runtime.status())).not.toContain(FIRST);
    expect((await call('GET', '/v1/status')).text).not.toContain(FIRST);
    expect(await everythingWritten()).not.toContain(FIRST);
  });

  it('rotating the secret rolls the service with no failed request; the new value is masked too', async () => {
    const before = runtime.status().services[0]!.revision;
    let ok = 0;
    const failures: string[] = [];
    let done = false;
    const load = (async () => {
      while (!done) {
        const answer = await request(`${result.endpoints.app}/`, { reset: true })
          .then(async (r) => {
            await r.body.dump();
            return r.statusCode;
          })
          .catch((error: Error) => error.message);
        if (answer === 200) ok++;
        else failures.push(String(answer));
      }
    })();
    try {
      const rotated = await call('PUT', '/v1/secrets/db', { data: { password: SECOND, user: 'shop' } });
      expect(rotated.status).toBe(200);
      expect(rotated.text).not.toContain(SECOND);
      expect(JSON.parse(rotated.text)).toMatchObject({ rolled: ['app'] });
      await waitFor(
        'the rolled replica to serve the new secret',
        async () => ((await app()).echo === SECOND ? true : undefined),
        60_000,
      );
      await waitFor(
        'one replica again',
        () => {
          const service = runtime.status().services[0]!;
          return service.replicas.length === 1 && service.readyReplicas === 1 ? true : undefined;
        },
        30_000,
      );
    } finally {
      done = true;
      await load;
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect(runtime.status().services[0]!.revision).not.toBe(before);
    const written = await everythingWritten();
    expect(written).not.toContain(SECOND);
    expect(written).not.toContain(FIRST);
    const audit = await readFile(join(dir, '.opsloop', 'audit.log'), 'utf8');
    expect(audit).toContain('secret db set');
  });
});
