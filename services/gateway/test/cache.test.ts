import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { startCatalogStub, startGateway, startUpstream, stubProduct } from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

async function setup(env: Record<string, string> = {}) {
  const clock = createManualClock(Date.now());
  const catalog = await startCatalogStub(cleanups);
  const users = await startUpstream(cleanups, 'users', issuer);
  const gateway = await startGateway(
    cleanups,
    { catalog: [catalog.endpoint], users: [users.endpoint] },
    { clock, env: { RATE_LIMIT_BURST: '1000', ...env } },
  );
  const get = (url: string, headers: Record<string, string> = {}) => gateway.app.inject({ url, headers });
  return { clock, catalog, gateway, get };
}

describe('gateway: cached catalogue GETs', () => {
  it('serves a fresh copy without asking, with the upstream ETag and Cache-Control and an Age', async () => {
    const { get, catalog, clock } = await setup();
    const miss = await get('/api/products?limit=2');
    expect(miss.statusCode).toBe(200);
    expect(miss.headers['x-cache']).toBe('miss');
    expect(miss.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(miss.headers['cache-control']).toBe('public, max-age=10');
    expect(miss.headers['content-type']).toBe('application/json; charset=utf-8');
    clock.advance(4_000);
    const hit = await get('/api/products?limit=2');
    expect(hit.headers['x-cache']).toBe('hit');
    expect(hit.headers.age).toBe('4');
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.body).toBe(miss.body);
    expect(hit.headers['x-request-id']).not.toBe(miss.headers['x-request-id']);
    expect(catalog.hits).toHaveLength(1);
    // Another query string is another resource.
    expect((await get('/api/products?limit=3')).headers['x-cache']).toBe('miss');
    expect(catalog.hits).toHaveLength(2);
  });

  it("answers a client's matching If-None-Match with 304 and no body, from cache or not", async () => {
    const { get, catalog } = await setup();
    const first = await get('/api/products/00000000-0000-7000-8000-000000000001');
    const etag = String(first.headers.etag);
    const again = await get('/api/products/00000000-0000-7000-8000-000000000001', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=10');
    expect(again.headers['x-cache']).toBe('hit');
    const other = await get('/api/products/00000000-0000-7000-8000-000000000001', {
      'if-none-match': '"old"',
    });
    expect(other.statusCode).toBe(200);
    // A cold cache fetches the full body for itself (the client's validator is not forwarded) and still 304s.
    const cold = await get('/api/products/00000000-0000-7000-8000-000000000002', { 'if-none-match': '*' });
    expect(cold.statusCode).toBe(304);
    expect(cold.headers['x-cache']).toBe('miss');
    expect(catalog.hits.map((h) => h.headers['if-none-match'])).toEqual([undefined, undefined]);
  });

  it('revalidates a stale copy with If-None-Match; a 304 makes it fresh again', async () => {
    const { get, catalog, clock } = await setup();
    const first = await get('/api/products?limit=2');
    clock.advance(10_000);
    const revalidated = await get('/api/products?limit=2');
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.headers['x-cache']).toBe('revalidated');
    expect(revalidated.headers.age).toBe('0');
    expect(revalidated.body).toBe(first.body);
    expect(catalog.hits[1]?.headers['if-none-match']).toBe(first.headers.etag);
    expect((await get('/api/products?limit=2')).headers['x-cache']).toBe('hit');
    expect(catalog.hits).toHaveLength(2);
  });

  it('replaces a stale copy whose resource changed', async () => {
    const { get, catalog, clock } = await setup();
    const first = await get('/api/products?limit=1');
    catalog.products[0] = { ...stubProduct(1, 'audio'), name: 'Renamed' };
    clock.advance(10_000);
    const changed = await get('/api/products?limit=1');
    expect(changed.headers['x-cache']).toBe('miss');
    expect(changed.headers.etag).not.toBe(first.headers.etag);
    expect(changed.json()).toMatchObject({ items: [{ name: 'Renamed' }] });
    expect((await get('/api/products?limit=1')).headers['x-cache']).toBe('hit');
  });

  it('never caches answers to signed-in requests, or to requests with credentials', async () => {
    const { get, catalog } = await setup();
    const token = await issuer.sign();
    for (const headers of [{ authorization: `Bearer ${token}` }, { authorization: 'Bearer nonsense' }]) {
      const res = await get('/api/products?limit=2', headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBeUndefined();
    }
    expect(catalog.hits).toHaveLength(2);
    expect((await get('/api/products?limit=2')).headers['x-cache']).toBe('miss');
    expect(catalog.hits).toHaveLength(3);
  });

  it('never caches a non-200, nor what the upstream marks no-store or private', async () => {
    const { get, catalog } = await setup();
    const missing = '/api/products/00000000-0000-7000-8000-000000000999';
    expect((await get(missing)).statusCode).toBe(404);
    expect((await get(missing)).headers['x-cache']).toBe('miss');
    expect(catalog.hits).toHaveLength(2);
    for (const cacheControl of ['no-store', 'private, max-age=60', 'no-cache', 'max-age=0']) {
      catalog.cacheControl = cacheControl;
      await get(`/api/products?limit=4&cc=${encodeURIComponent(cacheControl)}`);
      expect(
        (await get(`/api/products?limit=4&cc=${encodeURIComponent(cacheControl)}`)).headers['x-cache'],
      ).toBe('miss');
    }
  });

  it("honours a client's no-cache by revalidating", async () => {
    const { get, catalog } = await setup();
    await get('/api/products?limit=2');
    const res = await get('/api/products?limit=2', { 'cache-control': 'no-cache' });
    expect(res.headers['x-cache']).toBe('revalidated');
    expect(catalog.hits).toHaveLength(2);
  });

  it('keeps within CACHE_MAX_ENTRIES', async () => {
    const { get, catalog } = await setup({ CACHE_MAX_ENTRIES: '2' });
    for (const limit of [1, 2, 3, 1]) await get(`/api/products?limit=${limit}`);
    // limit=1 was evicted by limit=3 (least recently used), so the fourth request missed again.
    expect(catalog.hits).toHaveLength(4);
  });

  it('does not cache POSTs or HEADs', async () => {
    const { gateway } = await setup({ PUBLIC_ROUTES: '* /api/products*' });
    const head = await gateway.app.inject({ method: 'HEAD', url: '/api/products' });
    expect(head.headers['x-cache']).toBeUndefined();
  });

  it('counts every outcome in gateway_cache_requests_total', async () => {
    const { get, gateway, clock } = await setup();
    await get('/api/products?limit=2');
    await get('/api/products?limit=2');
    clock.advance(10_000);
    await get('/api/products?limit=2');
    const text = (await gateway.app.inject({ url: '/metrics' })).body;
    for (const outcome of ['miss', 'hit', 'revalidated'])
      expect(text).toMatch(
        new RegExp(`gateway_cache_requests_total\\{[^}]*outcome="${outcome}"[^}]*\\} 1\\b`),
      );
  });
});
