import fc from 'fast-check';
import type { Service } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCleanups,
  createTokenIssuer,
  deadEndpoint,
  startCatalogStub,
  startGateway,
  startShopRpcStub,
  startUpstream,
  stubOrder,
} from './support.js';

const cleanups = createCleanups();
let gateway: Service;
let tokens: { valid: string; expired: string; foreign: string };

beforeAll(async () => {
  const issuer = await createTokenIssuer();
  const catalog = await startCatalogStub(cleanups);
  const users = await startUpstream(cleanups, 'users', issuer);
  const cart = await startUpstream(cleanups, 'cart');
  const rpc = await startShopRpcStub(cleanups);
  rpc.orders.set(
    '0190a0b0-0000-7000-8000-00000000000a',
    stubOrder('0190a0b0-0000-7000-8000-00000000000a', 'alice', [1]),
  );
  gateway = await startGateway(
    cleanups,
    {
      catalog: [catalog.endpoint],
      users: [users.endpoint],
      cart: [cart.endpoint],
      // Checkout is down: its routes must answer 502/503/504 problems, nothing else.
      checkout: [await deadEndpoint(cleanups, 'checkout')],
      orders: [rpc.endpoint],
    },
    {
      env: {
        ROUTES: '/api/products=catalog;/api/users=users;/api/cart=cart;/api/checkout=checkout',
        RATE_LIMIT_RPS: '1000000',
        RATE_LIMIT_BURST: '1000000',
        BODY_LIMIT_BYTES: '4096',
        STOREFRONT_PART_TIMEOUT_MS: '300',
      },
    },
  );
  tokens = {
    valid: await issuer.sign({ sub: 'alice' }),
    expired: await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 60 }),
    foreign: await issuer.sign({ foreignKey: true }),
  };
});
afterAll(() => cleanups.run());

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x21-\\x7e][\\x20-\\x7e]{0,${max}}$`));

const prefixes = fc.constantFrom(
  '/api',
  '/api/products',
  '/api/products/00000000-0000-7000-8000-000000000001',
  '/api/users',
  '/api/users/login',
  '/api/users/me',
  '/api/cart',
  '/api/checkout',
  '/api/orders',
  '/api/orders/0190a0b0-0000-7000-8000-00000000000a',
  '/api/storefront',
  '/api/docs',
  '/api/docs/openapi.json',
  '/api/docs/static/index.css',
  '/api/unknown',
  '/',
  '/livez',
  '/elsewhere',
);

const segment = fc.oneof(
  fc.webSegment(),
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%ZZ', '%', '~', 'x'.repeat(300), '%C3%A9', 'ü'),
);

const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc.constantFrom(
    '?limit=-5',
    '?limit=abc',
    '?limit=1e9',
    '?cursor=%FF',
    '?limit=3&limit=4',
    '?q=' + 'a'.repeat(500),
  ),
);

const url = fc
  .tuple(prefixes, fc.array(segment, { maxLength: 3 }), fc.boolean(), query)
  .map(
    ([prefix, segments, slash, q]) =>
      `${prefix}${segments.map((s) => `/${s}`).join('')}${slash ? '/' : ''}${q}`,
  );

const authorization = fc.oneof(
  fc.constantFrom('valid', 'expired', 'foreign').map((kind) => `Bearer ${tokens[kind]}`),
  printable(60).map((s) => `Bearer ${s}`),
  printable(60),
  fc.constantFrom('Bearer', 'Bearer a.b.c', 'Basic YTpi', 'bearer   x.y.z'),
);

const headers = fc.record(
  {
    authorization,
    'content-type': fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/problem+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ),
      printable(30),
    ),
    traceparent: fc.oneof(
      fc.constant('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
      printable(60),
    ),
    tracestate: printable(40),
    'x-user-id': printable(20),
    'x-request-id': printable(40),
    'if-none-match': fc.oneof(fc.constant('*'), printable(30)),
    'cache-control': fc.oneof(fc.constantFrom('no-cache', 'max-age=0', 'no-store'), printable(20)),
    'x-forwarded-for': printable(30),
    connection: fc.constantFrom('keep-alive', 'close', 'x-user-id, traceparent'),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.json().map((j) => j),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constant('x'.repeat(5000)),
);

const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');

describe('gateway: any request (property)', () => {
  it('never fails with a 5xx of its own, and every error is problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(method, url, headers, body, async (m, u, h, b) => {
        const sendsBody = m !== 'GET' && m !== 'HEAD' && b !== undefined;
        const res = await gateway.app.inject({
          method: m as 'GET',
          url: u,
          headers: h,
          ...(sendsBody ? { payload: b } : {}),
        });
        const status = res.statusCode;
        const label = `${m} ${u} → ${status} ${res.body.slice(0, 300)}`;
        // 502/503/504 only come from upstreams that are down (checkout, by design here).
        expect(status < 500 || [502, 503, 504].includes(status), label).toBe(true);
        // Known gap: Fastify answers a path parameter over 100 characters (maxParamLength) with its own JSON
        // 414 before any hook runs. Still a 4xx.
        const kitGap =
          status === 414 &&
          String(res.headers['content-type']).startsWith('application/json') &&
          (m === 'HEAD' || /"code":"FST_ERR_MAX_PARAM_LENGTH"/.test(res.body));
        if (kitGap) return;
        if (status >= 400) {
          expect(String(res.headers['content-type']), label).toMatch(/^application\/problem\+json/);
          if (m !== 'HEAD') {
            const problem = res.json<{ type: string; status: number }>();
            expect(problem.type, label).toMatch(/^https:\/\/opsloop\.dev\/problems\//);
            expect(problem.status, label).toBe(status);
          }
        }
        if (status >= 500) expect(u, label).toMatch(/^\/api\/checkout|^\/api\/storefront/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  }, 120_000);

  // Fastify raises these before routing; the kit's `frameworkErrors` answers them with problem+json.
  it.each(['/api/%', '/api/products/%E0%A4%A'])('answers %s with a 400 problem+json', async (path) => {
    const res = await gateway.app.inject({
      url: path,
      headers: { authorization: `Bearer ${tokens.valid}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
