import type { Endpoint } from '@opsloop/contracts';
import { ConfigError, createService, createStaticResolver, type Service } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCleanups,
  deadEndpoint as deadEndpoint_,
  startGateway as startGateway_,
  startUpstream as startUpstream_,
  type Upstream,
} from '../test/support.js';
import { gatewayService } from './app.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const cleanups = createCleanups();
afterEach(() => cleanups.run());

const startUpstream = (name: string) => startUpstream_(cleanups, name);
const deadEndpoint = (name: string) => deadEndpoint_(cleanups, name);
// These suites test proxying itself: every method on /api/products is public and nothing is cached.
async function startGateway(endpoints: Endpoint[], env: Record<string, string> = {}): Promise<Service> {
  return startGateway_(
    cleanups,
    { catalog: endpoints },
    { env: { PUBLIC_ROUTES: '* /api/products*', CACHE_MAX_ENTRIES: '0', ...env } },
  );
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  slug: string,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ type: PROBLEMS + slug, status });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

const total = (...upstreams: Upstream[]) => upstreams.reduce((sum, u) => sum + u.hits.length, 0);

describe('gateway: proxying', () => {
  it('proxies a GET with its query string, passing status, body and headers through', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/api/products?q=wireless%20mouse&limit=5&tag=a&tag=b',
      headers: { 'x-request-id': 'req-123', 'x-client': 'yes', accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-upstream']).toBe('catalog-a');
    expect(res.headers['cache-control']).toBe('max-age=5');
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.json()).toEqual({
      upstream: 'catalog-a',
      method: 'GET',
      url: '/api/products?q=wireless%20mouse&limit=5&tag=a&tag=b',
      body: null,
    });

    expect(a.hits).toHaveLength(1);
    const hit = a.hits[0]!;
    expect(hit.url).toBe('/api/products?q=wireless%20mouse&limit=5&tag=a&tag=b');
    expect(hit.headers['x-request-id']).toBe('req-123');
    expect(hit.headers['x-client']).toBe('yes');
    expect(hit.headers.accept).toBe('application/json');
    expect(hit.headers['x-forwarded-for']).toEqual(expect.any(String));
    expect(hit.headers['x-forwarded-proto']).toBe('http');
  });

  it('forwards a request id it generated when the client sent an unsafe one', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'GET',
      url: '/api/products',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(a.hits[0]?.headers['x-request-id']).toBe(res.headers['x-request-id']);
  });

  it('drops hop-by-hop headers and appends to x-forwarded-for', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    await gateway.app.inject({
      method: 'GET',
      url: '/api/products/1',
      headers: {
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'x-forwarded-for': '203.0.113.7',
      },
    });
    const headers = a.hits[0]!.headers;
    expect(headers['x-hop']).toBeUndefined();
    expect(headers['keep-alive']).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(String(headers['x-forwarded-for'])).toMatch(/^203\.0\.113\.7, \S+$/);
  });

  it('passes an upstream 404 through without retrying', async () => {
    const a = await startUpstream('catalog-a');
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint]);
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: `${PROBLEMS}resource-not-found` });
    expect(total(a, b)).toBe(1);
  });

  it('alternates between replicas round-robin', async () => {
    const a = await startUpstream('catalog-a');
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint]);
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
      expect(res.statusCode).toBe(200);
      served.push(String(res.headers['x-upstream']));
    }
    expect(new Set(served)).toEqual(new Set(['catalog-a', 'catalog-b']));
    for (let i = 1; i < served.length; i++) expect(served[i]).not.toBe(served[i - 1]);
    expect(a.hits).toHaveLength(3);
    expect(b.hits).toHaveLength(3);
  });

  it('forwards a POST body byte for byte', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const payload = '{ "name" : "Mug",\n  "price": 1200 }';
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload,
    });
    expect(res.statusCode).toBe(201);
    expect(a.hits[0]).toMatchObject({ method: 'POST', body: payload });
    expect(a.hits[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('forwards a non-JSON body as is', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'PUT',
      url: '/api/products/1',
      headers: { 'content-type': 'text/plain' },
      payload: 'not { json',
    });
    expect(res.statusCode).toBe(200);
    expect(a.hits[0]).toMatchObject({ method: 'PUT', body: 'not { json' });
  });
});

describe('gateway: trace context', () => {
  const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it("continues the caller's trace upstream with the gateway's own span id, and its tracestate", async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    await gateway.app.inject({ url: '/api/products', headers: { traceparent: TRACE, tracestate: 'shop=1' } });
    const sent = a.hits[0]!.headers;
    expect(sent.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sent.traceparent).not.toBe(TRACE);
    expect(sent.tracestate).toBe('shop=1');
  });

  it('starts a trace when the caller sent none or an invalid one, dropping its tracestate', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    await gateway.app.inject({ url: '/api/products' });
    await gateway.app.inject({
      url: '/api/products',
      headers: { traceparent: 'garbage', tracestate: 'x=1' },
    });
    const [first, second] = a.hits.map((h) => h.headers);
    expect(first?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(second?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(String(first?.traceparent).slice(3, 35)).not.toBe(String(second?.traceparent).slice(3, 35));
    expect(second?.tracestate).toBeUndefined();
  });
});

describe('gateway: failures', () => {
  it('serves a GET from the other replica when one refuses connections', async () => {
    const dead = await deadEndpoint('catalog-dead');
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([dead, a.endpoint]);
    for (let i = 0; i < 4; i++) {
      const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-upstream']).toBe('catalog-a');
    }
    expect(a.hits).toHaveLength(4);
  });

  it('serves a POST from the other replica when one refuses connections (nothing was sent)', async () => {
    const dead = await deadEndpoint('catalog-dead');
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([dead, a.endpoint]);
    const res = await gateway.app.inject({ method: 'POST', url: '/api/products', payload: { name: 'x' } });
    expect(res.statusCode).toBe(201);
    expect(a.hits).toHaveLength(1);
  });

  it('answers a GET with 503 upstream-unavailable when every replica refuses connections', async () => {
    const gateway = await startGateway([await deadEndpoint('catalog-x'), await deadEndpoint('catalog-y')]);
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products?q=x' });
    const body = expectProblem(res, 503, 'upstream-unavailable');
    expect(body.instance).toBe('/api/products');
  });

  it('answers a POST with 503 upstream-unavailable when every replica refuses connections', async () => {
    const gateway = await startGateway([await deadEndpoint('catalog-x'), await deadEndpoint('catalog-y')]);
    const res = await gateway.app.inject({ method: 'POST', url: '/api/products', payload: { name: 'x' } });
    expectProblem(res, 503, 'upstream-unavailable');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('answers 503 upstream-unavailable with retry-after when the service has no endpoints', async () => {
    const gateway = await startGateway([]);
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
    const body = expectProblem(res, 503, 'upstream-unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expect(body.detail).toBe('no ready replica of catalog');
  });

  it('answers 504 upstream-timeout when the upstream is slower than UPSTREAM_TIMEOUT_MS, without retrying', async () => {
    const slow = await startUpstream('catalog-slow');
    slow.mode = 'hang';
    const fast = await startUpstream('catalog-fast');
    const gateway = await startGateway([slow.endpoint, fast.endpoint], { UPSTREAM_TIMEOUT_MS: '200' });
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
    const body = expectProblem(res, 504, 'upstream-timeout');
    expect(body.detail).toBe('catalog did not answer within 200 ms');
    expect(slow.hits).toHaveLength(1);
    expect(fast.hits).toHaveLength(0);
  });

  it.each([
    ['a 503', 'unavailable'],
    ['a connection reset', 'reset'],
  ] as const)('retries a GET on another replica after %s', async (_what, mode) => {
    const a = await startUpstream('catalog-a');
    a.mode = mode;
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint]);
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-upstream']).toBe('catalog-b');
    expect(a.hits).toHaveLength(1);
    expect(b.hits).toHaveLength(1);
  });

  it('does not retry a POST after a 503: the upstream answer is passed through', async () => {
    const a = await startUpstream('catalog-a');
    a.mode = 'unavailable';
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint]);
    const res = await gateway.app.inject({ method: 'POST', url: '/api/products', payload: { name: 'x' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ upstream: 'catalog-a', error: 'draining' });
    expect(a.hits).toHaveLength(1);
    expect(b.hits).toHaveLength(0);
  });

  it('does not retry a POST after a connection reset: 502 bad-gateway', async () => {
    const a = await startUpstream('catalog-a');
    a.mode = 'reset';
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint]);
    const res = await gateway.app.inject({ method: 'POST', url: '/api/products', payload: { name: 'x' } });
    expectProblem(res, 502, 'bad-gateway');
    expect(a.hits).toHaveLength(1);
    expect(b.hits).toHaveLength(0);
  });

  it('answers 502 bad-gateway when every GET attempt is reset, trying each replica once', async () => {
    const a = await startUpstream('catalog-a');
    const b = await startUpstream('catalog-b');
    a.mode = 'reset';
    b.mode = 'reset';
    const gateway = await startGateway([a.endpoint, b.endpoint], { UPSTREAM_RETRIES: '5' });
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
    expectProblem(res, 502, 'bad-gateway');
    expect(a.hits).toHaveLength(1);
    expect(b.hits).toHaveLength(1);
  });

  it('does not retry with UPSTREAM_RETRIES=0', async () => {
    const a = await startUpstream('catalog-a');
    a.mode = 'reset';
    const b = await startUpstream('catalog-b');
    const gateway = await startGateway([a.endpoint, b.endpoint], { UPSTREAM_RETRIES: '0' });
    const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
    expectProblem(res, 502, 'bad-gateway');
    expect(total(a, b)).toBe(1);
  });
});

describe('gateway: edge checks', () => {
  it('rejects a POST with invalid JSON with 400 malformed-body before reaching upstream', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectProblem(res, 400, 'malformed-body');
    expect(a.hits).toHaveLength(0);
  });

  it('rejects an empty JSON body with 400 malformed-body', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(res, 400, 'malformed-body');
    expect(a.hits).toHaveLength(0);
  });

  it('rejects a 2 MB body with 413 payload-too-large before reaching upstream', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expectProblem(res, 413, 'payload-too-large');
    expect(a.hits).toHaveLength(0);
  });

  it.each(['/api/nope', '/api/productsX', '/api', '/elsewhere'])(
    'answers %s with 404 route-not-found',
    async (url) => {
      const a = await startUpstream('catalog-a');
      const gateway = await startGateway([a.endpoint]);
      const res = await gateway.app.inject({ method: 'GET', url: `${url}?x=1` });
      const body = expectProblem(res, 404, 'route-not-found');
      expect(body.instance).toBe(url);
      expect(a.hits).toHaveLength(0);
    },
  );

  it('serves /livez and /readyz itself', async () => {
    const gateway = await startGateway([]);
    const livez = await gateway.app.inject({ method: 'GET', url: '/livez' });
    expect(livez.statusCode).toBe(200);
    const readyz = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(readyz.statusCode).toBe(200);
    expect(readyz.json().checks).toEqual([{ name: 'discovery', ok: true }]);
  });

  it('records upstream attempts in its metrics', async () => {
    const a = await startUpstream('catalog-a');
    const gateway = await startGateway([a.endpoint]);
    await gateway.app.inject({ method: 'GET', url: '/api/products' });
    const text = (await gateway.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(
      /^http_client_request_duration_seconds_count\{[^}]*upstream="catalog"[^}]*method="GET"[^}]*status="200"[^}]*\} 1$/m,
    );
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*route="\/api\/\*"[^}]*\} 1$/m);
  });
});

describe('gateway: config', () => {
  async function configError(env: Record<string, string>): Promise<ConfigError> {
    const error: unknown = await createService(
      gatewayService({
        createResolver: () => createStaticResolver(new Map()),
        env: { LOG_LEVEL: 'silent', ...env },
      }),
    ).then(
      async (service) => {
        await service.shutdown('test');
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it.each([
    ['/api/products', 'expected /prefix=service entries'],
    ['api/products=catalog', 'is not a path prefix'],
    ['/api/products=Catalog', 'is not a service name'],
    [';', 'no routes'],
  ])('rejects ROUTES=%j naming ROUTES', async (routes, message) => {
    const error = await configError({ ROUTES: routes });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^ROUTES: /);
    expect(error.problems[0]).toContain(message);
  });

  it('requires ROUTES', async () => {
    const error = await configError({});
    expect(error.problems).toEqual(['ROUTES: required (not set)']);
  });

  it('rejects a bad UPSTREAM_TIMEOUT_MS', async () => {
    const error = await configError({ ROUTES: '/api/products=catalog', UPSTREAM_TIMEOUT_MS: '0' });
    expect(error.problems[0]).toMatch(/^UPSTREAM_TIMEOUT_MS: /);
  });
});
