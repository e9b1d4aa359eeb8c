import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config.js';
import { ProblemError } from './problem.js';
import { createService, type Service, type ServiceOptions } from './service.js';
import { parseInput } from './validate.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KIT_DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A pino destination that keeps every log line. */
function logCollector() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A promise with its resolve function, to hold a handler until the test releases it. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** GET over a new TCP connection (no keep-alive pool): the status, or the connection error code. */
function freshGet(url: string): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of metric `name` in Prometheus text exposition format. */
function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

const itemParams = z.object({ id: z.uuid('must be a UUID') });
const itemQuery = z.object({ verbose: z.enum(['yes', 'no']).optional() });
const itemBody = z.object({ name: z.string().min(1), price: z.number().int().nonnegative() });

const running: Service[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test cleanup')));
});

/** A service with a few demo routes, logging into an array. */
async function demoService(
  env: Record<string, string | undefined> = {},
  setup?: ServiceOptions['setup'],
): Promise<{ service: Service; logs: ReturnType<typeof logCollector> }> {
  const logs = logCollector();
  const service = await createService({
    name: 'demo',
    version: '1.0.0',
    env,
    logDestination: logs.destination,
    async setup(context) {
      const { app } = context;
      app.get('/items/:id', (request) => {
        const { id } = parseInput(itemParams, request.params, 'path');
        const query = parseInput(itemQuery, request.query, 'query');
        request.log.info({ id }, 'item read');
        return { id, verbose: query.verbose ?? 'no' };
      });
      app.post('/items', (request, reply) =>
        reply.code(201).send(parseInput(itemBody, request.body, 'body')),
      );
      app.get('/boom', () => {
        throw new Error('database password hunter2 rejected');
      });
      app.get('/zod', () => itemBody.parse({ name: '' }));
      app.get('/busy', () => {
        throw new ProblemError('serviceUnavailable', {
          detail: 'warming up',
          headers: { 'retry-after': '3' },
          extensions: { warmup: true },
        });
      });
      await setup?.(context);
    },
  });
  running.push(service);
  return { service, logs };
}

describe('createService: probes', () => {
  it('answers /livez with 200', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/livez' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 while checks pass and 503 while one fails', async () => {
    const { service } = await demoService();
    let databaseUp = true;
    service.readiness.register('database', () => databaseUp);
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: [{ name: 'database', ok: true }] });

    databaseUp = false;
    const notReady = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({
      status: 'not ready',
      checks: [{ name: 'database', ok: false, error: 'not ready' }],
    });

    databaseUp = true;
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers /readyz 503 when a check throws', async () => {
    const { service } = await demoService();
    service.readiness.register('cache', () => Promise.reject(new Error('connection refused')));
    service.readiness.register('fine', () => true);
    const res = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toEqual([
      { name: 'cache', ok: false, error: 'connection refused' },
      { name: 'fine', ok: true },
    ]);
  });

  it('answers /readyz 503 when a check hangs past the check timeout', async () => {
    const { service } = await demoService();
    service.readiness.register('hangs', () => new Promise<boolean>(() => {}));
    const res = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toEqual([
      { name: 'hangs', ok: false, error: expect.stringMatching(/^timed out/) },
    ]);
  });

  it('fails readiness as soon as shutdown starts draining', async () => {
    const { service } = await demoService();
    service.readiness.register('database', () => true);
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const stopping = service.shutdown('test');
    expect(service.readiness.draining).toBe(true);
    const { ready, checks } = await service.readiness.evaluate();
    expect(ready).toBe(false);
    expect(checks[0]).toEqual({ name: 'shutdown', ok: false, error: 'draining' });
    await expect(stopping).resolves.toBe(true);
  });

  it('drain(): still serves, but fails readiness and asks every client to close its connection', async () => {
    const { service } = await demoService();
    service.app.get('/work', () => ({ ok: true }));
    const before = await service.app.inject({ method: 'GET', url: '/work' });
    expect(before.headers.connection).not.toBe('close');
    service.drain('test');
    service.drain('again');
    const during = await service.app.inject({ method: 'GET', url: '/work' });
    expect(during.statusCode).toBe(200);
    expect(during.headers.connection).toBe('close');
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    await expect(service.shutdown('test')).resolves.toBe(true);
  });

  it('answers /readyz 503 on a live connection while draining', async () => {
    const { service } = await demoService({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const hold = deferred();
    const entered = deferred();
    service.app.get('/slow', async () => {
      entered.resolve();
      await hold.promise;
      return { done: true };
    });
    const url = await service.listen();
    // Two requests pipelined on one connection: /readyz reaches the server while /slow is in flight.
    const client = new Client(url, { pipelining: 2 });
    try {
      const slow = client.request({ method: 'GET', path: '/slow' });
      await entered.promise;
      const stopping = service.shutdown('test');
      const readyz = client.request({ method: 'GET', path: '/readyz' });
      hold.resolve();
      expect((await slow).statusCode).toBe(200);
      const res = await readyz.catch((error: NodeJS.ErrnoException) => ({
        statusCode: error.code ?? 'error',
      }));
      // Served while draining: 503. If the connection was closed after /slow, the request never got a 200 either.
      expect(res.statusCode).not.toBe(200);
      await expect(stopping).resolves.toBe(true);
    } finally {
      hold.resolve();
      await client.destroy();
    }
  });
});

describe('createService: metrics', () => {
  it('records served requests in the RED histogram by route template, method and status', async () => {
    const { service } = await demoService({ OPSLOOP_INSTANCE: 'demo-7' });
    const id = '0190b5b0-0000-7000-8000-000000000001';
    expect((await service.app.inject({ method: 'GET', url: `/items/${id}` })).statusCode).toBe(200);
    expect((await service.app.inject({ method: 'GET', url: `/items/not-a-uuid` })).statusCode).toBe(400);
    expect((await service.app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);

    const res = await service.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('http_server_request_duration_seconds_bucket');
    const buckets = samples(text, 'http_server_request_duration_seconds_bucket');
    const ok = buckets.filter((s) => s.labels.route === '/items/:id' && s.labels.status === '200');
    expect(ok.length).toBeGreaterThan(0);
    for (const sample of ok) {
      expect(sample.labels).toMatchObject({
        service: 'demo',
        version: '1.0.0',
        instance: 'demo-7',
        route: '/items/:id',
        method: 'GET',
        status: '200',
      });
    }
    expect(ok.find((s) => s.labels.le === '+Inf')?.value).toBe(1);
    // Never the raw path: one series per route template.
    expect(buckets.some((s) => s.labels.route?.includes(id))).toBe(false);

    const counts = samples(text, 'http_server_request_duration_seconds_count');
    const count = (route: string, status: string) =>
      counts.find((s) => s.labels.route === route && s.labels.status === status && s.labels.method === 'GET')
        ?.value;
    expect(count('/items/:id', '200')).toBe(1);
    expect(count('/items/:id', '400')).toBe(1);
    expect(count('/boom', '500')).toBe(1);
  });

  it('exposes Node runtime metrics with the service labels', async () => {
    const { service } = await demoService();
    const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^process_cpu\w*\{[^}]*service="demo"/m);
    expect(text).toMatch(/^nodejs_eventloop_lag\w*\{[^}]*service="demo"/m);
  });

  it('keeps the kit routes out of the histogram', async () => {
    const { service } = await demoService();
    for (const url of ['/livez', '/readyz', '/metrics', '/livez', '/readyz'])
      expect((await service.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    const routes = new Set(
      samples(text, 'http_server_request_duration_seconds_count').map((s) => s.labels.route),
    );
    expect(routes.has('/livez')).toBe(false);
    expect(routes.has('/readyz')).toBe(false);
    expect(routes.has('/metrics')).toBe(false);
    expect(routes.size).toBe(0);
  });

  it('does not create a series per unknown path', async () => {
    const { service } = await demoService();
    for (const url of ['/nope/1', '/nope/2', '/other'])
      expect((await service.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    const counts = samples(text, 'http_server_request_duration_seconds_count');
    expect(counts.map((s) => s.labels.route)).toEqual(['unmatched']);
    expect(counts[0]?.value).toBe(3);
    expect(counts[0]?.labels.status).toBe('404');
  });

  it('returns the in-flight gauge to zero after requests', async () => {
    const { service } = await demoService();
    await service.app.inject({ method: 'GET', url: '/boom' });
    await service.app.inject({ method: 'POST', url: '/items', payload: { name: 'a', price: 1 } });
    const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
    const active = samples(text, 'http_server_active_requests');
    expect(active.find((s) => s.labels.method === 'POST')?.value).toBe(0);
    // The /metrics request itself is in flight while the registry is rendered.
    expect(active.find((s) => s.labels.method === 'GET')?.value).toBe(1);
  });
});

describe('createService: request ids and logs', () => {
  it('echoes a safe x-request-id', async () => {
    const { service } = await demoService();
    for (const id of ['abc-123', 'Trace.ID_01:xyz', 'a'.repeat(128)]) {
      const res = await service.app.inject({ method: 'GET', url: '/livez', headers: { 'x-request-id': id } });
      expect(res.headers['x-request-id']).toBe(id);
    }
  });

  it.each([
    ['spaces', 'abc def'],
    ['a newline', 'abc\nlevel=fatal'],
    ['200 characters', 'a'.repeat(200)],
    ['129 characters', 'a'.repeat(129)],
    ['quotes', 'abc"def'],
    ['an empty value', ''],
  ])('replaces an x-request-id with %s by a new UUID', async (_what, id) => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/livez', headers: { 'x-request-id': id } });
    expect(res.statusCode).toBe(200);
    const echoed = res.headers['x-request-id'];
    expect(echoed).toMatch(UUID);
    expect(echoed).not.toBe(id);
  });

  it('generates a different id for each request without one', async () => {
    const { service } = await demoService();
    const a = await service.app.inject({ method: 'GET', url: '/livez' });
    const b = await service.app.inject({ method: 'GET', url: '/livez' });
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('writes JSON log lines with service, version, instance and request_id', async () => {
    const { service, logs } = await demoService({ OPSLOOP_INSTANCE: 'demo-3', SERVICE_VERSION: '2.0.0' });
    const id = '0190b5b0-0000-7000-8000-000000000002';
    const res = await service.app.inject({
      method: 'GET',
      url: `/items/${id}?verbose=yes`,
      headers: { 'x-request-id': 'req-42' },
    });
    expect(res.statusCode).toBe(200);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.trimEnd()).not.toContain('\n');
    }
    const records = logs.records();
    for (const record of records) {
      expect(record).toMatchObject({ service: 'demo', version: '2.0.0', instance: 'demo-3' });
      expect(typeof record.level).toBe('string');
      expect(typeof record.time).toBe('string');
    }
    const handlerLine = records.find((r) => r.msg === 'item read');
    expect(handlerLine).toMatchObject({ request_id: 'req-42', id, level: 'info' });
    const served = records.find((r) => r.msg === 'request served');
    expect(served).toMatchObject({
      request_id: 'req-42',
      method: 'GET',
      path: `/items/${id}`,
      route: '/items/:id',
      status: 200,
    });
  });

  it('logs a replaced request id, not the unsafe one', async () => {
    const { service, logs } = await demoService();
    const res = await service.app.inject({
      method: 'GET',
      url: '/nope',
      headers: { 'x-request-id': 'evil id\n{"level":"fatal"}' },
    });
    const served = logs.records().find((r) => r.msg === 'request served');
    expect(served?.request_id).toBe(res.headers['x-request-id']);
    expect(logs.lines.join('')).not.toContain('evil id');
  });

  it('defaults the instance to name-host-pid and the version to the given one', async () => {
    const { service, logs } = await demoService();
    await service.app.inject({ method: 'GET', url: '/nope' });
    const record = logs.records().find((r) => r.msg === 'request served');
    expect(record?.version).toBe('1.0.0');
    expect(String(record?.instance)).toMatch(new RegExp(`^demo-.+-${process.pid}$`));
  });

  it('logs a failed request at error level with its request id', async () => {
    const { service, logs } = await demoService();
    await service.app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'req-boom' } });
    const failure = logs.records().find((r) => r.msg === 'request failed');
    expect(failure).toMatchObject({ level: 'error', request_id: 'req-boom' });
  });
});

describe('createService: problem+json errors', () => {
  function expectProblem(
    res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
    slug: string,
  ) {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json() as Record<string, unknown>;
    expect(body.type).toBe(PROBLEMS + slug);
    expect(body.status).toBe(res.statusCode);
    expect(typeof body.title).toBe('string');
    expect(body.request_id).toBe(res.headers['x-request-id']);
    return body;
  }

  it('answers an unknown route with 404 route-not-found, instance without the query', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/nope/deeper?token=s3cret&x=1' });
    expect(res.statusCode).toBe(404);
    const body = expectProblem(res, 'route-not-found');
    expect(body.instance).toBe('/nope/deeper');
    expect(body.detail).toBe('no route for GET /nope/deeper');
    expect(res.body).not.toContain('s3cret');
  });

  it('answers an unknown method on a known path with 404 route-not-found', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'DELETE', url: '/items' });
    expect(res.statusCode).toBe(404);
    expectProblem(res, 'route-not-found');
  });

  it('answers invalid JSON with 400 malformed-body', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x", ',
    });
    expect(res.statusCode).toBe(400);
    const body = expectProblem(res, 'malformed-body');
    expect(body.instance).toBe('/items');
  });

  it('answers an empty JSON body with 400 malformed-body', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expectProblem(res, 'malformed-body');
  });

  it('answers a body over the default 1 MiB limit with 413 payload-too-large', async () => {
    const { service } = await demoService();
    const payload = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), price: 1 });
    const res = await service.app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(413);
    const body = expectProblem(res, 'payload-too-large');
    expect(body.detail).toBe('body exceeds the limit of 1048576 bytes');
  });

  it('applies BODY_LIMIT_BYTES', async () => {
    const { service } = await demoService({ BODY_LIMIT_BYTES: '100' });
    const small = await service.app.inject({
      method: 'POST',
      url: '/items',
      payload: { name: 'a', price: 1 },
    });
    expect(small.statusCode).toBe(201);
    const big = await service.app.inject({
      method: 'POST',
      url: '/items',
      payload: { name: 'a'.repeat(200), price: 1 },
    });
    expect(big.statusCode).toBe(413);
    expectProblem(big, 'payload-too-large');
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'answers content-type %s to a JSON route with 415 unsupported-media-type',
    async (contentType) => {
      const { service } = await demoService();
      const res = await service.app.inject({
        method: 'POST',
        url: '/items',
        headers: { 'content-type': contentType },
        payload: 'name=a&price=1',
      });
      expect(res.statusCode).toBe(415);
      expectProblem(res, 'unsupported-media-type');
    },
  );

  it('answers a plain Error with 500 internal-error and leaks nothing', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    const body = expectProblem(res, 'internal-error');
    expect(Object.keys(body).sort()).toEqual(['instance', 'request_id', 'status', 'title', 'type']);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('database');
    expect(res.body).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.js:\d+/);
  });

  it('answers a parseInput failure with 400 validation-failed listing the field', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/items/not-a-uuid' });
    expect(res.statusCode).toBe(400);
    const body = expectProblem(res, 'validation-failed');
    expect(body.errors).toEqual([{ in: 'path', path: 'id', message: 'must be a UUID' }]);
    expect(body.detail).toBe('path id: must be a UUID');
  });

  it('lists every invalid body field of a validation failure', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'POST', url: '/items', payload: { name: '', price: -1 } });
    expect(res.statusCode).toBe(400);
    const body = expectProblem(res, 'validation-failed');
    const errors = body.errors as { in: string; path: string; message: string }[];
    expect(errors.map((e) => `${e.in}:${e.path}`).sort()).toEqual(['body:name', 'body:price']);
    expect(body.detail).toBe(`${errors.length} invalid fields`);
  });

  it('reports query errors in the query', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({
      method: 'GET',
      url: '/items/0190b5b0-0000-7000-8000-000000000003?verbose=maybe',
    });
    expect(res.statusCode).toBe(400);
    const body = expectProblem(res, 'validation-failed');
    expect(body.errors).toEqual([{ in: 'query', path: 'verbose', message: expect.any(String) }]);
  });

  it('turns a ZodError thrown by a handler into validation-failed', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/zod' });
    expect(res.statusCode).toBe(400);
    const body = expectProblem(res, 'validation-failed');
    expect((body.errors as unknown[]).length).toBeGreaterThan(0);
  });

  it('renders a ProblemError with its headers and extensions', async () => {
    const { service } = await demoService();
    const res = await service.app.inject({ method: 'GET', url: '/busy' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    const body = expectProblem(res, 'service-unavailable');
    expect(body).toMatchObject({ detail: 'warming up', warmup: true, title: 'Service not ready' });
  });
});

describe('createService: config', () => {
  it('rejects a bad environment with a ConfigError naming the variable', async () => {
    const error: unknown = await createService({
      name: 'demo',
      version: '1',
      env: { PORT: 'abc' },
      setup() {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^PORT: /);
  });

  it('gives setup the config of its extended schema', async () => {
    let seen: unknown;
    const service = await createService({
      name: 'demo',
      version: '1',
      configSchema: z.object({ GREETING: z.string().default('hello') }),
      env: { GREETING: 'hi', LOG_LEVEL: 'silent' },
      setup({ config }) {
        seen = { greeting: config.GREETING, port: config.PORT };
      },
    });
    running.push(service);
    expect(seen).toEqual({ greeting: 'hi', port: 0 });
  });
});

describe('createService: graceful shutdown', () => {
  it('refuses new work, finishes in-flight requests, then runs the shutdown hooks', async () => {
    const hold = deferred();
    const entered = deferred();
    let slowFinished = false;
    const hooks: string[] = [];
    const { service, logs } = await demoService({ SHUTDOWN_TIMEOUT_MS: '10000' }, ({ app, onShutdown }) => {
      app.get('/slow', async () => {
        entered.resolve();
        await hold.promise;
        slowFinished = true;
        return { done: true };
      });
      onShutdown(() => void hooks.push(`first (in-flight finished: ${slowFinished})`));
      onShutdown(() => {
        hooks.push('second');
        throw new Error('hook failed');
      });
    });
    const url = await service.listen();
    // A keep-alive client: its connection must not hold shutdown open once the response is sent.
    const client = new Client(url);
    try {
      const slow = client.request({ method: 'GET', path: '/slow' });
      await entered.promise;

      const stopping = service.shutdown('test');
      let settled = false;
      void stopping.then(() => (settled = true));

      const readyz = await freshGet(`${url}/readyz`);
      expect(readyz).not.toEqual({ status: 200 });
      if ('status' in readyz) expect(readyz.status).toBe(503);
      // The listener closes: new connections are refused while the in-flight request still runs.
      await waitFor(async () => {
        const res = await freshGet(`${url}/livez`);
        return 'error' in res && res.error === 'ECONNREFUSED' ? true : undefined;
      }, 'new connections to be refused');
      expect(slowFinished).toBe(false);
      expect(settled).toBe(false);
      expect(hooks).toEqual([]);

      hold.resolve();
      const res = await slow;
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ done: true });
      await expect(stopping).resolves.toBe(true);
      // Hooks run in reverse order of registration, after in-flight requests finished; a failing hook is logged.
      expect(hooks).toEqual(['second', 'first (in-flight finished: true)']);
      const records = logs.records();
      expect(records.some((r) => r.msg === 'shutdown hook failed' && r.level === 'error')).toBe(true);
      expect(records.find((r) => r.msg === 'stopped')).toMatchObject({ clean: true });
      // Shutdown is idempotent.
      await expect(service.shutdown('again')).resolves.toBe(true);
    } finally {
      hold.resolve();
      await client.destroy();
    }
  });

  it('resolves false when an in-flight request outlives SHUTDOWN_TIMEOUT_MS', async () => {
    const entered = deferred();
    let hookRan = false;
    const { service, logs } = await demoService({ SHUTDOWN_TIMEOUT_MS: '100' }, ({ app, onShutdown }) => {
      app.get('/forever', async () => {
        entered.resolve();
        await new Promise(() => {});
      });
      onShutdown(() => void (hookRan = true));
    });
    const url = await service.listen();
    const client = new Client(url);
    try {
      const forever = client.request({ method: 'GET', path: '/forever' }).then(
        () => 'answered',
        () => 'connection closed',
      );
      await entered.promise;
      await expect(service.shutdown('test')).resolves.toBe(false);
      expect(hookRan).toBe(true);
      // The stuck connection is closed rather than left open.
      await expect(forever).resolves.toBe('connection closed');
      expect(logs.records().find((r) => r.msg === 'stopped')).toMatchObject({ clean: false });
    } finally {
      await client.destroy();
    }
  });
});

describe('runService', () => {
  const kitUrl = pathToFileURL(KIT_DIST).href;
  const distBuilt = existsSync(KIT_DIST);

  it('finds the built kit (run `npx tsc -b` first)', () => {
    expect(distBuilt, `${KIT_DIST} is missing`).toBe(true);
  });

  it.runIf(distBuilt)('exits 78 with one line naming the variable on a bad env', () => {
    const script = `import { runService } from ${JSON.stringify(kitUrl)};
await runService({ name: 'demo', version: '1.0.0', setup() {} });`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines, result.stderr).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toBe('demo: config error: PORT: expected a port number 0-65535 (got "abc")');
    expect(result.stderr).not.toMatch(/^\s*at /m);
  });

  it.runIf(distBuilt)('listens, then exits 0 after a graceful shutdown on SIGTERM', async () => {
    const script = `import { runService } from ${JSON.stringify(kitUrl)};
await runService({ name: 'demo', version: '1.0.0', setup() {} });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, PORT: '0', OPSLOOP_INSTANCE: 'demo-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const url = await waitFor(
        () => {
          for (const line of stdout.split('\n')) {
            if (!line.startsWith('{')) continue;
            const record = JSON.parse(line) as { msg?: string; url?: string };
            if (!/listening/i.test(record.msg ?? '')) continue;
            return record.url ?? /http:\/\/[\w.:[\]]+/.exec(record.msg ?? '')?.[0];
          }
          return undefined;
        },
        'the service to listen',
        15_000,
      );
      expect(await freshGet(`${url}/livez`)).toEqual({ status: 200 });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
