import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  createTokenIssuer,
  deadEndpoint,
  PROBLEMS,
  problemOf,
  startGateway,
  startUpstream,
  type Upstream,
} from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

const ROUTES = '/api/products=catalog;/api/users=users;/api/cart=cart';

async function setup(env: Record<string, string> = {}, logs?: string[]) {
  const catalog = await startUpstream(cleanups, 'catalog');
  const users = await startUpstream(cleanups, 'users', issuer);
  const cart = await startUpstream(cleanups, 'cart');
  const gateway = await startGateway(
    cleanups,
    { catalog: [catalog.endpoint], users: [users.endpoint], cart: [cart.endpoint] },
    {
      env: { ROUTES, CACHE_MAX_ENTRIES: '0', JWKS_REFETCH_COOLDOWN_MS: '0', ...env },
      ...(logs ? { logDestination: { write: (line: string) => void logs.push(line) } } : {}),
    },
  );
  return { catalog, users, cart, gateway };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const apiHits = (upstream: Upstream) => upstream.hits.filter((h) => h.url.startsWith('/api/'));

describe('gateway: authentication', () => {
  it('serves public routes without a token, never passing a client x-user-id upstream', async () => {
    const { gateway, catalog, users } = await setup();
    const res = await gateway.app.inject({ url: '/api/products/1', headers: { 'x-user-id': 'admin' } });
    expect(res.statusCode).toBe(200);
    expect(catalog.hits[0]?.headers['x-user-id']).toBeUndefined();
    const signUp = await gateway.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json', 'x-user-id': 'admin' },
      payload: { email: 'a@example.com' },
    });
    expect(signUp.statusCode).toBe(201);
    expect(apiHits(users)[0]?.headers['x-user-id']).toBeUndefined();
  });

  it('refuses a protected route without a token: 401, a challenge, nothing sent upstream', async () => {
    const { gateway, cart } = await setup();
    const res = await gateway.app.inject({ url: '/api/cart' });
    const body = problemOf(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="opsloop-shop"');
    expect(body.detail).toContain('bearer token');
    expect(cart.hits).toHaveLength(0);
  });

  it('passes a protected request with a valid token, setting x-user-id from sub', async () => {
    const { gateway, cart } = await setup();
    const token = await issuer.sign({ sub: 'user-7' });
    const res = await gateway.app.inject({
      method: 'POST',
      url: '/api/cart/items',
      headers: { ...bearer(token), 'x-user-id': 'someone-else', 'content-type': 'application/json' },
      payload: { productId: 'p', quantity: 1 },
    });
    expect(res.statusCode).toBe(201);
    expect(cart.hits[0]?.headers['x-user-id']).toBe('user-7');
    expect(cart.hits[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('identifies the caller on a public route too, once the key set is loaded', async () => {
    const { gateway, catalog } = await setup();
    const token = await issuer.sign({ sub: 'user-8' });
    // A protected route waits for the key set; public ones never do.
    expect((await gateway.app.inject({ url: '/api/cart', headers: bearer(token) })).statusCode).toBe(200);
    await gateway.app.inject({ url: '/api/products', headers: bearer(await issuer.sign({ sub: 'user-9' })) });
    expect(catalog.hits[0]?.headers['x-user-id']).toBe('user-9');
  });

  it.each([
    [
      'an expired token',
      async () => `Bearer ${await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 3600 })}`,
      'the token has expired',
    ],
    ['a token for another audience', async () => `Bearer ${await issuer.sign({ aud: 'elsewhere' })}`, 'aud'],
    [
      'a token signed by someone else',
      async () => `Bearer ${await issuer.sign({ foreignKey: true })}`,
      'not valid',
    ],
    ['an unknown key id', async () => `Bearer ${await issuer.sign({ kid: 'nope' })}`, 'unknown key'],
    ['garbage', () => Promise.resolve('Bearer not-a-jwt'), 'not a JWT'],
    ['another scheme', () => Promise.resolve('Basic dXNlcjpwYXNz'), 'Bearer'],
    ['an empty bearer', () => Promise.resolve('Bearer '), 'Bearer'],
  ])('refuses %s with 401 invalid_token', async (_what, header, detail) => {
    const { gateway, cart } = await setup();
    const res = await gateway.app.inject({ url: '/api/cart', headers: { authorization: await header() } });
    const body = problemOf(res, 401, 'unauthorized');
    expect(String(body.detail)).toContain(detail);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="opsloop-shop", error="invalid_token"/);
    expect(cart.hits).toHaveLength(0);
  });

  it('treats a bad token on a public route as no token', async () => {
    const { gateway, catalog } = await setup();
    const res = await gateway.app.inject({ url: '/api/products', headers: bearer('a.b.c') });
    expect(res.statusCode).toBe(200);
    expect(catalog.hits[0]?.headers['x-user-id']).toBeUndefined();
  });

  it('picks up a rotated key by refetching the key set', async () => {
    const rotating = await createTokenIssuer();
    const catalog = await startUpstream(cleanups, 'catalog');
    const users = await startUpstream(cleanups, 'users', rotating);
    const gateway = await startGateway(
      cleanups,
      { catalog: [catalog.endpoint], users: [users.endpoint], cart: [catalog.endpoint] },
      { env: { ROUTES, JWKS_REFETCH_COOLDOWN_MS: '0' } },
    );
    expect(
      (await gateway.app.inject({ url: '/api/cart', headers: bearer(await rotating.sign()) })).statusCode,
    ).toBe(200);
    await rotating.rotate();
    expect(
      (await gateway.app.inject({ url: '/api/cart', headers: bearer(await rotating.sign()) })).statusCode,
    ).toBe(200);
    // The start-up load (or the first token), then the rotation.
    expect(users.hits.filter((h) => h.url === '/.well-known/jwks.json')).toHaveLength(2);
  });

  it('keeps public routes working when the users service is down; protected ones say 503', async () => {
    const catalog = await startUpstream(cleanups, 'catalog');
    const gateway = await startGateway(
      cleanups,
      {
        catalog: [catalog.endpoint],
        users: [await deadEndpoint(cleanups, 'users')],
        cart: [catalog.endpoint],
      },
      { env: { ROUTES } },
    );
    const token = await issuer.sign();
    expect((await gateway.app.inject({ url: '/api/products' })).statusCode).toBe(200);
    expect((await gateway.app.inject({ url: '/api/products', headers: bearer(token) })).statusCode).toBe(200);
    const res = await gateway.app.inject({ url: '/api/cart', headers: bearer(token) });
    problemOf(res, 503, 'upstream-unavailable');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('does not make public requests wait for a users service that hangs', async () => {
    const catalog = await startUpstream(cleanups, 'catalog');
    const users = await startUpstream(cleanups, 'users', issuer);
    users.mode = 'hang';
    const gateway = await startGateway(
      cleanups,
      { catalog: [catalog.endpoint], users: [users.endpoint] },
      // Longer than the test's own timeout: a public request that waited on the key set would fail the test.
      { env: { ROUTES, JWKS_FETCH_TIMEOUT_MS: '30000', UPSTREAM_TIMEOUT_MS: '30000' } },
    );
    const token = await issuer.sign();
    for (let i = 0; i < 3; i++) {
      const res = await gateway.app.inject({ url: '/api/products', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
    }
  });

  it('never writes a token into its logs', async () => {
    const logs: string[] = [];
    const { gateway } = await setup({ LOG_LEVEL: 'trace' }, logs);
    const good = await issuer.sign();
    const expired = await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 3600 });
    await gateway.app.inject({ url: '/api/cart', headers: bearer(good) });
    await gateway.app.inject({ url: '/api/cart', headers: bearer(expired) });
    await gateway.app.inject({ url: '/api/products?x=1', headers: bearer(expired) });
    expect(logs.length).toBeGreaterThan(3);
    const text = logs.join('\n');
    for (const token of [good, expired]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]);
    }
  });
});

/** GET `path` exactly as written (no URL normalisation, unlike app.inject and fetch). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}${path}`, { method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    request.path = path;
    request.on('error', reject);
    request.end();
  });
}

describe('gateway: path tricks (over a socket, paths as sent)', () => {
  it.each([
    '/api/products/../cart',
    '/api/products/%2e%2e/cart',
    '/api/products/.%2E/cart',
    '/api/products/./x',
    '/api/products/..',
    '/api/docs/static/x%00.js',
  ])('refuses %s with 400 before routing or auth', async (path) => {
    const { gateway, catalog, cart } = await setup();
    const base = await gateway.listen();
    const res = await rawGet(base, path);
    expect(res.status, res.body).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ type: `${PROBLEMS}validation-failed` });
    expect(apiHits(catalog)).toHaveLength(0);
    expect(apiHits(cart)).toHaveLength(0);
  });

  it('still serves names that merely contain dots', async () => {
    const { gateway } = await setup();
    const base = await gateway.listen();
    for (const path of [
      '/api/products/a.b',
      '/api/products/.hidden',
      '/api/products/..x',
      '/api/docs/openapi.json',
    ]) {
      expect((await rawGet(base, path)).status, path).toBe(200);
    }
  });
});
