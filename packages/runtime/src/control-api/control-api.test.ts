import type { EndpointList, SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

/** A registry that reports each watch, so a test can change it only once the request really waits. */
class SpyRegistry extends EndpointRegistry {
  readonly watches: { service: string; knownVersion: number; timeoutMs: number; signal?: AbortSignal }[] = [];
  #onWatch: (() => void)[] = [];

  override watch(
    service: string,
    knownVersion: number,
    timeoutMs: number,
    signal?: AbortSignal,
    caller?: string,
  ) {
    const result = super.watch(service, knownVersion, timeoutMs, signal, caller);
    this.watches.push({ service, knownVersion, timeoutMs, ...(signal ? { signal } : {}) });
    for (const wake of this.#onWatch.splice(0)) wake();
    return result;
  }

  /** Resolves on the next call of watch. */
  nextWatch(): Promise<void> {
    return new Promise((resolve) => this.#onWatch.push(resolve));
  }
}

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const PROBLEM_JSON = 'application/problem+json';
const ADMIN = newToken();
const VIEWER = newToken();
const DISCOVERY = newToken();

/** Fails with `what` if `promise` has not settled within `ms` (a bound, not a timing assertion). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

describe('control API', () => {
  let registry: SpyRegistry;
  let api: Service;
  let shutdownRequests: number;
  /** Set by the onSend hook of POST /v1/shutdown: how many shutdown requests existed while sending. */
  let shutdownRequestsWhileSending: number | undefined;

  beforeEach(async () => {
    registry = new SpyRegistry();
    shutdownRequests = 0;
    shutdownRequestsWhileSending = undefined;
    const tokens = new TokenStore();
    tokens.add(ADMIN, 'admin');
    tokens.add(VIEWER, 'viewer');
    tokens.add(DISCOVERY, 'discovery');
    api = await createControlApi({
      port: 0,
      tokens,
      registry,
      status: () => STATUS,
      requestShutdown: () => shutdownRequests++,
      logDestination: { write: () => {} },
    });
    api.app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.url === '/v1/shutdown') shutdownRequestsWhileSending = shutdownRequests;
      done(null, payload);
    });
  });

  afterEach(async () => {
    registry.closeWatches();
    await api.app.close();
  });

  const get = (url: string, token?: string) =>
    api.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (url: string, token?: string) =>
    api.app.inject({ method: 'POST', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('serves the health routes without a token', async () => {
    expect((await get('/livez')).statusCode).toBe(200);
    expect((await get('/readyz')).statusCode).toBe(200);
  });

  it.each([
    ['GET', '/v1/status'],
    ['GET', '/v1/endpoints/catalog'],
    ['POST', '/v1/shutdown'],
  ])('answers %s %s without a token with 401 problem+json and www-authenticate', async (method, url) => {
    const response = await (method === 'GET' ? get(url) : post(url));
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="opsloop"');
    expect(response.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/unauthorized',
      status: 401,
      instance: url,
    });
    expect(shutdownRequests).toBe(0);
  });

  it('answers a wrong or malformed token with 401', async () => {
    for (const authorization of [`Bearer ${newToken()}`, `Basic ${ADMIN}`, ADMIN]) {
      const response = await api.app.inject({ method: 'GET', url: '/v1/status', headers: { authorization } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="opsloop"');
    }
  });

  it('lets a discovery token read endpoints, and nothing else (403 forbidden)', async () => {
    registry.set('catalog', { instance: 'catalog-1', url: 'http://127.0.0.1:4001', version: '1' });
    const endpoints = await get('/v1/endpoints/catalog', DISCOVERY);
    expect(endpoints.statusCode).toBe(200);
    expect(endpoints.json()).toEqual(registry.list('catalog'));

    const status = await get('/v1/status', DISCOVERY);
    expect(status.statusCode).toBe(403);
    expect(status.headers['content-type']).toContain(PROBLEM_JSON);
    expect(status.json()).toMatchObject({
      type: 'https://opsloop.dev/problems/forbidden',
      status: 403,
      detail: 'role discovery may not call GET /v1/status',
    });

    const shutdown = await post('/v1/shutdown', DISCOVERY);
    expect(shutdown.statusCode).toBe(403);
    expect(shutdown.json()).toMatchObject({ type: 'https://opsloop.dev/problems/forbidden' });
    expect(shutdownRequests).toBe(0);
  });

  it('lets a viewer read status and endpoints but not shut down', async () => {
    expect((await get('/v1/status', VIEWER)).statusCode).toBe(200);
    expect((await get('/v1/endpoints/catalog', VIEWER)).statusCode).toBe(200);
    expect((await post('/v1/shutdown', VIEWER)).statusCode).toBe(403);
    expect(shutdownRequests).toBe(0);
  });

  it('lets an admin do everything', async () => {
    const status = await get('/v1/status', ADMIN);
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual(STATUS);
    const endpoints = await get('/v1/endpoints/catalog', ADMIN);
    expect(endpoints.json()).toEqual({ service: 'catalog', resourceVersion: 0, endpoints: [] });
  });

  it('POST /v1/shutdown answers 202 and requests shutdown once, after the response', async () => {
    const response = await post('/v1/shutdown', ADMIN);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ status: 'shutting down' });
    expect(shutdownRequestsWhileSending).toBe(0);
    expect(shutdownRequests).toBe(1);
  });

  it('answers a watch on a stale version at once with the current list', async () => {
    registry.set('catalog', { instance: 'catalog-1', url: 'http://127.0.0.1:4001', version: '1' });
    // With timeoutSeconds=300 a wait would outlast the test timeout.
    const response = await within(
      get('/v1/endpoints/catalog?watch=0&timeoutSeconds=300', DISCOVERY),
      10_000,
      'watch on a stale version',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(registry.list('catalog'));
  });

  it('a watch on the current version waits for the next change and returns it', async () => {
    registry.set('catalog', { instance: 'catalog-1', url: 'http://127.0.0.1:4001', version: '1' });
    const current = registry.list('catalog').resourceVersion;
    const watching = registry.nextWatch();
    // A long timeout: only the change can end this request within the bound below.
    const pending = get(`/v1/endpoints/catalog?watch=${current}&timeoutSeconds=120`, DISCOVERY);
    await within(watching, 10_000, 'the watch to start');
    expect(registry.watches.at(-1)).toMatchObject({
      service: 'catalog',
      knownVersion: current,
      timeoutMs: 120_000,
    });

    registry.set('catalog', { instance: 'catalog-2', url: 'http://127.0.0.1:4002', version: '1' });
    const response = await within(pending, 10_000, 'the watch after a change');
    expect(response.statusCode).toBe(200);
    const list = response.json<EndpointList>();
    expect(list.resourceVersion).toBeGreaterThan(current);
    expect(list.endpoints.map((e) => e.instance)).toEqual(['catalog-1', 'catalog-2']);
  });

  it('a watch with timeoutSeconds=1 and no change returns the unchanged list', async () => {
    registry.set('catalog', { instance: 'catalog-1', url: 'http://127.0.0.1:4001', version: '1' });
    const before = registry.list('catalog');
    const response = await get(
      `/v1/endpoints/catalog?watch=${before.resourceVersion}&timeoutSeconds=1`,
      ADMIN,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(before);
    expect(registry.watches.at(-1)?.timeoutMs).toBe(1_000);
  });

  it('uses a 30 s watch timeout by default', async () => {
    const watching = registry.nextWatch();
    const pending = get('/v1/endpoints/catalog?watch=0', ADMIN);
    await within(watching, 10_000, 'the watch to start');
    expect(registry.watches.at(-1)?.timeoutMs).toBe(30_000);
    registry.set('catalog', { instance: 'catalog-1', url: 'http://127.0.0.1:4001', version: '1' });
    expect((await within(pending, 10_000, 'the watch')).statusCode).toBe(200);
  });

  it.each(['timeoutSeconds=0', 'timeoutSeconds=301', 'timeoutSeconds=abc', 'watch=-1', 'watch=1.5'])(
    'rejects ?watch=0&%s with 400 validation-failed',
    async (query) => {
      const response = await get(`/v1/endpoints/catalog?watch=0&${query}`, ADMIN);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_JSON);
      expect(response.json()).toMatchObject({
        type: 'https://opsloop.dev/problems/validation-failed',
        status: 400,
      });
      expect(registry.watches).toHaveLength(0);
    },
  );

  it('answers a caller whose circuit to the service is open with no endpoints, lists and watches alike', async () => {
    registry.set('users', { instance: 'users-1', url: 'http://127.0.0.1:4001', version: '1' });
    registry.openCircuit('cart', 'users');
    const cart = await get('/v1/endpoints/users?caller=cart', DISCOVERY);
    expect(cart.statusCode).toBe(200);
    expect(cart.json<EndpointList>().endpoints).toEqual([]);
    const gateway = await get('/v1/endpoints/users?caller=gateway', DISCOVERY);
    expect(gateway.json<EndpointList>().endpoints.map((e) => e.instance)).toEqual(['users-1']);

    const version = cart.json<EndpointList>().resourceVersion;
    const watching = registry.nextWatch();
    const pending = get(`/v1/endpoints/users?watch=${version}&timeoutSeconds=120&caller=cart`, DISCOVERY);
    await within(watching, 10_000, 'the watch to start');
    registry.closeCircuit('cart', 'users');
    const closed = await within(pending, 10_000, 'the watch after the circuit closed');
    expect(closed.json<EndpointList>().endpoints.map((e) => e.instance)).toEqual(['users-1']);
  });

  it.each(['caller=', 'caller=Cart', `caller=${'a'.repeat(64)}`])(
    'rejects ?%s with 400 validation-failed',
    async (query) => {
      const response = await get(`/v1/endpoints/users?${query}`, DISCOVERY);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ type: 'https://opsloop.dev/problems/validation-failed' });
    },
  );

  it('rejects a service name longer than 63 characters', async () => {
    const response = await get(`/v1/endpoints/${'a'.repeat(64)}`, ADMIN);
    expect(response.statusCode).toBe(400);
    expect((await get(`/v1/endpoints/${'a'.repeat(63)}.preview`, ADMIN)).statusCode).toBe(200);
    expect((await get('/v1/endpoints/web.other', ADMIN)).statusCode).toBe(400);
  });
});

describe('control API over HTTP', () => {
  let registry: SpyRegistry;
  let api: Service | undefined;

  beforeEach(() => {
    registry = new SpyRegistry();
  });

  afterEach(async () => {
    registry.closeWatches();
    await api?.shutdown('test done');
    api = undefined;
  });

  it('listens on loopback and ends a watch whose client went away', async () => {
    const tokens = new TokenStore();
    tokens.add(ADMIN, 'admin');
    api = await createControlApi({
      port: 0,
      tokens,
      registry,
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
    });
    const url = await api.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const abort = new AbortController();
    const watching = registry.nextWatch();
    const pending = request(`${url}/v1/endpoints/catalog?watch=0&timeoutSeconds=120`, {
      headers: { authorization: `Bearer ${ADMIN}` },
      signal: abort.signal,
    });
    const failed = pending.then(
      () => 'answered',
      () => 'aborted',
    );
    await within(watching, 10_000, 'the watch to start');
    const { signal } = registry.watches.at(-1)!;
    expect(signal?.aborted).toBe(false);
    abort.abort();
    expect(await failed).toBe('aborted');
    // The server notices the closed connection and abandons the wait.
    const deadline = Date.now() + 10_000;
    while (!signal?.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(signal?.aborted).toBe(true);
  });
});
