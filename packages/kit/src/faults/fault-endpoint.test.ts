import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { ConfigError } from '../config.js';
import { createService, type Service } from '../service.js';
import { currentFaultRegistry, setCurrentFaultRegistry } from './current-fault-registry.js';
import { createFaultRegistry } from './fault-registry.js';

const TOKEN = 'fault-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const PROBLEMS = 'https://opsloop.dev/problems/';
const KIT_DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.app.close()));
  setCurrentFaultRegistry(undefined);
});

async function demo(env: Record<string, string> = { OPSLOOP_FAULT_TOKEN: TOKEN }) {
  const lines: string[] = [];
  const service = await createService({
    name: 'demo',
    version: '1',
    env: { PORT: '0', ...env },
    logDestination: { write: (line: string) => void lines.push(line) },
    setup({ app }) {
      app.get('/items', () => ({ ok: true }));
    },
  });
  services.push(service);
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { service, app: service.app, lines, records };
}

describe('the fault endpoint', () => {
  it('does not exist without OPSLOOP_FAULT_TOKEN', async () => {
    const { app } = await demo({});
    expect((await app.inject({ method: 'GET', url: '/internal/faults', headers: AUTH })).statusCode).toBe(
      404,
    );
    const post = await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { kind: 'crash' },
    });
    expect(post.statusCode).toBe(404);
    expect(currentFaultRegistry()).toBeUndefined();
  });

  it('refuses a short token at start', async () => {
    const error: unknown = await createService({
      name: 'demo',
      version: '1',
      env: { OPSLOOP_FAULT_TOKEN: 'short' },
      setup() {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'OPSLOOP_FAULT_TOKEN: expected a token of at least 16 characters (value hidden)',
    ]);
  });

  it('answers 401 without the right bearer token, before reading the body', async () => {
    const { app } = await demo();
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/internal/faults',
        headers,
        payload: '{not json',
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json()).toMatchObject({ type: `${PROBLEMS}unauthorized`, status: 401 });
    }
    expect((await app.inject({ method: 'DELETE', url: '/internal/faults' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/internal/faults' })).statusCode).toBe(401);
  });

  it('errors at http: routes answer the injected problem, probes and /metrics do not; DELETE heals', async () => {
    const { app, lines, records } = await demo();
    const created = await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { id: 'broken', kind: 'errors', point: 'http', params: { ratio: 1 } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'broken',
      kind: 'errors',
      point: 'http',
      params: { ratio: 1 },
    });
    expect(Date.parse(created.json<{ startedAt: string }>().startedAt)).not.toBeNaN();

    const failed = await app.inject({ method: 'GET', url: '/items' });
    expect(failed.statusCode).toBe(500);
    expect(failed.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(failed.json()).toMatchObject({ type: `${PROBLEMS}internal-error`, status: 500 });
    // Nothing in the answer gives the fault away: it looks like a real failure.
    expect(failed.body).not.toMatch(/fault|inject/i);
    expect((await app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/faults_active\{[^}]*kind="errors",point="http"[^}]*\} 1/);
    expect(metrics.body).toMatch(/http_server_request_duration_seconds_count\{[^}]*status="500"[^}]*\} 1/);

    const listed = await app.inject({ method: 'GET', url: '/internal/faults', headers: AUTH });
    expect(listed.json()).toEqual({ faults: [created.json()] });
    expect(
      (await app.inject({ method: 'DELETE', url: '/internal/faults/broken', headers: AUTH })).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/items' })).statusCode).toBe(200);
    const unknown = await app.inject({ method: 'DELETE', url: '/internal/faults/broken', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: `${PROBLEMS}resource-not-found` });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).not.toMatch(/faults_active\{/);

    const logged = records().filter((record) => String(record.msg).startsWith('fault '));
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'fault injected',
        fault_id: 'broken',
        kind: 'errors',
        point: 'http',
        params: { ratio: 1 },
      }),
      expect.objectContaining({ level: 'warn', msg: 'fault cleared', fault_id: 'broken', reason: 'deleted' }),
    ]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('answers with the injected status as the catalogue problem of that status', async () => {
    const { app } = await demo();
    await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { kind: 'errors', point: 'http', params: { ratio: 1, status: 503 } },
    });
    const failed = await app.inject({ method: 'GET', url: '/items' });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ type: `${PROBLEMS}service-unavailable` });
    // The route does not exist: unmatched requests are faulted too (they are not internal).
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(503);
  });

  it('refuses a bad spec with a 400 problem listing the fields', async () => {
    const { app } = await demo();
    const response = await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { kind: 'latency', point: 'http', params: { ms: -1, ratio: 3 } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      type: `${PROBLEMS}validation-failed`,
      errors: [
        { in: 'body', path: 'params.ms', message: 'expected milliseconds from 0 to 60000' },
        { in: 'body', path: 'params.ratio', message: 'expected a fraction from 0 to 1' },
      ],
    });
  });

  it('latency at http makes routes slower; the same id replaces the fault; DELETE clears all', async () => {
    const { service, app } = await demo();
    const url = await service.listen();
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/internal/faults', headers: AUTH, payload: payload as object });
    expect((await post({ id: 'slow', kind: 'latency', point: 'http', params: { ms: 1 } })).statusCode).toBe(
      201,
    );
    expect((await post({ id: 'slow', kind: 'latency', point: 'http', params: { ms: 200 } })).statusCode).toBe(
      201,
    );
    expect((await post({ kind: 'cpu', params: { percent: 1 }, durationMs: 60_000 })).statusCode).toBe(201);
    const listed = (await app.inject({ method: 'GET', url: '/internal/faults', headers: AUTH })).json<{
      faults: { id: string; params: unknown }[];
    }>();
    expect(listed.faults).toHaveLength(2);
    expect(listed.faults.find((fault) => fault.id === 'slow')?.params).toMatchObject({ ms: 200 });

    const started = performance.now();
    expect((await request(`${url}/items`)).statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    // Probes are never delayed (no upper bound asserted: only that they answer).
    expect((await request(`${url}/livez`)).statusCode).toBe(200);

    expect((await app.inject({ method: 'DELETE', url: '/internal/faults', headers: AUTH })).statusCode).toBe(
      204,
    );
    expect((await app.inject({ method: 'GET', url: '/internal/faults', headers: AUTH })).json()).toEqual({
      faults: [],
    });
    const body = await (await request(`${url}/items`)).body.json();
    expect(body).toEqual({ ok: true });
  });

  it('ends a fault at its expiry (a registry on a manual clock)', async () => {
    const clock = createManualClock(Date.parse('2026-03-01T10:00:00Z'));
    setCurrentFaultRegistry(createFaultRegistry({ clock }));
    const { app, records } = await demo();
    const created = await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { kind: 'errors', point: 'http', params: { ratio: 1 }, durationMs: 30_000 },
    });
    expect(created.json()).toMatchObject({
      startedAt: '2026-03-01T10:00:00.000Z',
      expiresAt: '2026-03-01T10:00:30.000Z',
    });
    expect((await app.inject({ method: 'GET', url: '/items' })).statusCode).toBe(500);
    clock.advance(29_999);
    expect((await app.inject({ method: 'GET', url: '/items' })).statusCode).toBe(500);
    clock.advance(1);
    expect((await app.inject({ method: 'GET', url: '/items' })).statusCode).toBe(200);
    expect(records().find((record) => record.msg === 'fault cleared')).toMatchObject({ reason: 'expired' });
  });

  it('stops a service-owned registry (and its process faults) when the service closes', async () => {
    const { app } = await demo();
    await app.inject({
      method: 'POST',
      url: '/internal/faults',
      headers: AUTH,
      payload: { kind: 'memory', params: { mbPerSecond: 1, maxMb: 1 } },
    });
    const registry = currentFaultRegistry();
    expect(registry?.list()).toHaveLength(1);
    await app.close();
    expect(registry?.list()).toEqual([]);
    expect(currentFaultRegistry()).toBeUndefined();
  });
});

/** A service in a child process (the built kit), listening on 127.0.0.1 with the fault endpoint on. */
async function startChild() {
  const script = `import { createService } from ${JSON.stringify(pathToFileURL(KIT_DIST).href)};
const service = await createService({ name: 'victim', version: '1', setup() {}, logDestination: { write() {} } });
console.log(await service.listen());`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, PORT: '0', OPSLOOP_FAULT_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Bounded: whatever happens, the child is gone after 20 s.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((text) => text.startsWith('http://'));
      if (line !== undefined) resolve(line.trim());
    });
    child.once('exit', () => reject(new Error(`the child exited before listening: ${out}`)));
  });
  const inject = (payload: unknown) =>
    request(`${url}/internal/faults`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  return {
    url,
    exited,
    inject,
    stop() {
      clearTimeout(killer);
      child.kill('SIGKILL');
    },
  };
}

describe('process faults in a child process', () => {
  const distBuilt = existsSync(KIT_DIST);

  it('finds the built kit (run `npx tsc -b` first)', () => {
    expect(distBuilt, `${KIT_DIST} is missing`).toBe(true);
  });

  it.runIf(distBuilt)('crash: answers 202, then the process exits with the code at once', async () => {
    const child = await startChild();
    try {
      const response = await child.inject({ id: 'boom', kind: 'crash', params: { exitCode: 7 } });
      expect(response.statusCode).toBe(202);
      expect(await response.body.json()).toMatchObject({
        id: 'boom',
        kind: 'crash',
        point: 'process',
        params: { exitCode: 7 },
      });
      expect(await child.exited).toBe(7);
    } finally {
      child.stop();
    }
  });

  it.runIf(distBuilt)(
    'hang: probes stall behind the blocked loop, which frees itself at expiry',
    async () => {
      const child = await startChild();
      try {
        // One chunk far longer than the fault: only the clock check inside the busy loop can end it in time.
        const response = await child.inject({ kind: 'hang', params: { ms: 60_000 }, durationMs: 1_000 });
        expect(response.statusCode).toBe(201);
        await response.body.dump();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = performance.now();
        // Sent while the loop is blocked: answered once the hang ends (not after 60 s: the timeout fails it).
        const probe = await request(`${child.url}/livez`, { headersTimeout: 15_000, bodyTimeout: 15_000 });
        expect(probe.statusCode).toBe(200);
        await probe.body.dump();
        expect(performance.now() - started).toBeGreaterThanOrEqual(100);
        const listed = await request(`${child.url}/internal/faults`, { headers: AUTH });
        expect(await listed.body.json()).toEqual({ faults: [] });
      } finally {
        child.stop();
      }
    },
  );
});
