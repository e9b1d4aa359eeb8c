import { randomUUID } from 'node:crypto';
import { fastify, type FastifyInstance } from 'fastify';
import { loyaltyDiscountPercent, rpc, type Product } from '@opsloop/contracts';
import {
  createManualClock,
  createService,
  createStaticResolver,
  type ManualClock,
  type Service,
} from '@opsloop/kit';
import { Code, ConnectError, createRpcClient, serveRpc, type RpcClient } from '@opsloop/rpc';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCatalogProductLookup } from '../src/adapters/catalog-product-lookup.js';
import { createUsersLoyaltyLookup } from '../src/adapters/users-loyalty-lookup.js';
import { cartService } from '../src/app.js';
import type { CartTables } from '../src/tables.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const START = Date.parse('2030-01-01T00:00:00Z');
const TTL_SECONDS = 3600;
const SWEEP_SECONDS = 60;

// ---- A stand-in catalogue that speaks the catalogue's contract (productSchema, 404 problem). ----
const catalog = new Map<string, Product>();
let catalogDown = false;
let catalogRequests = 0;
const product = (amountMinor: number, currency = 'EUR'): Product => {
  const id = randomUUID();
  const p = {
    id,
    sku: `SKU-${id.slice(0, 8)}`,
    name: `Thing ${id.slice(0, 4)}`,
    description: '',
    category: 'misc',
    price: { amountMinor, currency },
  };
  catalog.set(id, p);
  return p;
};
const teapot = product(2500);
const mug = product(799);
const imported = product(1000, 'USD');

// ---- A stand-in users service: UsersService.GetLoyalty over gRPC. ----
const points = new Map<string, number>();
let usersDown = false;

let catalogApp: FastifyInstance;
let users: Service;
let cart: Service;
let cartUrl: string;
let clock: ManualClock;
let database: Database<CartTables> | undefined;
let grpc: RpcClient<typeof rpc.CartService>;

beforeAll(async () => {
  catalogApp = fastify();
  catalogApp.get<{ Params: { id: string } }>('/api/products/:id', async (request, reply) => {
    catalogRequests++;
    if (catalogDown) return reply.code(503).send({ status: 503 });
    const found = catalog.get(request.params.id);
    if (found === undefined)
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ type: `${PROBLEMS}resource-not-found`, status: 404 });
    return found;
  });
  const catalogUrl = await catalogApp.listen({ host: '127.0.0.1', port: 0 });

  users = await createService({
    name: 'users',
    version: 'test',
    env: { LOG_LEVEL: 'silent' },
    setup(context) {
      serveRpc(context, (router) =>
        router.service(rpc.UsersService, {
          getLoyalty(request) {
            if (usersDown) throw new ConnectError('users is down', Code.Unavailable);
            const p = points.get(request.userId);
            if (p === undefined) throw new ConnectError('no such user', Code.NotFound);
            return { userId: request.userId, points: p, discountPercent: loyaltyDiscountPercent(p) };
          },
        }),
      );
    },
  });
  const usersUrl = await users.listen();

  const template = await createPgliteTemplate();
  clock = createManualClock(START);
  const resolver = createStaticResolver(
    new Map([
      ['catalog', [{ instance: 'catalog-1', url: catalogUrl.replace(/\/$/, ''), version: 'test' }]],
      ['users', [{ instance: 'users-1', url: usersUrl, version: 'test' }]],
    ]),
  );
  cart = await createService(
    cartService({
      createDatabase: async () => {
        database = await createPgliteDatabase<CartTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'cart',
          template,
        });
        return database;
      },
      createDependencies: (config) => {
        const usersClient = createRpcClient(rpc.UsersService, {
          target: 'users',
          resolver,
          timeoutMs: config.USERS_TIMEOUT_MS,
          // The test switches users off and on: no breaker pause in between.
          breaker: { failureThreshold: 1_000_000 },
          retry: { maxAttempts: 2, baseDelayMs: 5 },
        });
        return Promise.resolve({
          products: createCatalogProductLookup({ resolver, timeoutMs: config.CATALOG_TIMEOUT_MS }),
          loyalty: createUsersLoyaltyLookup(usersClient),
          close: () => usersClient.close(),
        });
      },
      clock,
      env: {
        LOG_LEVEL: 'silent',
        CART_TTL_SECONDS: String(TTL_SECONDS),
        CART_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS),
        // Every request reaches the stand-in catalogue, so switching it off shows at once.
        CATALOG_CACHE_TTL_MS: '0',
        USERS_TIMEOUT_MS: '5000',
      },
    }),
  );
  cartUrl = await cart.listen();
  grpc = createRpcClient(rpc.CartService, {
    target: 'cart',
    resolver: createStaticResolver(
      new Map([['cart', [{ instance: 'cart-1', url: cartUrl, version: 'test' }]]]),
    ),
    timeoutMs: 10_000,
    breaker: { failureThreshold: 1_000_000 },
  });
});

afterAll(async () => {
  await grpc?.close();
  await cart?.shutdown('test');
  await users?.shutdown('test');
  await catalogApp?.close();
});

beforeEach(() => {
  catalogDown = false;
  usersDown = false;
});

interface Sent {
  method: 'GET' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

async function send(request: Sent) {
  const headers: Record<string, string> = { ...request.headers };
  let payload: string | undefined;
  if (request.raw !== undefined) payload = request.raw;
  else if (request.body !== undefined) payload = JSON.stringify(request.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const res = await cart.app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

const newUser = (loyaltyPoints?: number) => {
  const userId = randomUUID();
  if (loyaltyPoints !== undefined) points.set(userId, loyaltyPoints);
  return userId;
};
const as = (userId: string) => ({ 'x-user-id': userId });
const getCart = (userId: string) => send({ method: 'GET', url: '/api/cart', headers: as(userId) });
const put = (userId: string, productId: string, quantity: unknown) =>
  send({ method: 'PUT', url: `/api/cart/items/${productId}`, body: { quantity }, headers: as(userId) });

async function codeOf(call: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('cart API', () => {
  it('is ready with its database alone', async () => {
    expect((await cart.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('an empty cart for a user the users service does not know', async () => {
    const userId = newUser();
    const res = await getCart(userId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId,
      version: 0,
      currency: 'EUR',
      lines: [],
      unavailable: [],
      subtotal: eur(0),
      discountPercent: 0,
      discount: eur(0),
      total: eur(0),
      loyalty: { points: 0, discountPercent: 0 },
      degraded: false,
      updatedAt: null,
      expiresAt: null,
    });
  });

  it('puts, replaces and removes items; prices them with the loyalty discount', async () => {
    const userId = newUser(150);
    let res = await put(userId, teapot.id, 2);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 1,
      lines: [{ productId: teapot.id, name: teapot.name, quantity: 2 }],
    });
    // The lines keep the order they were first added in (the clock moves so the two differ).
    clock.advance(1);
    res = await put(userId, mug.id.toUpperCase(), 3);
    res = await put(userId, teapot.id, 1);
    expect(res.body).toMatchObject({
      version: 3,
      lines: [
        { productId: teapot.id, quantity: 1, unitPrice: eur(2500), lineTotal: eur(2500) },
        { productId: mug.id, quantity: 3, unitPrice: eur(799), lineTotal: eur(2397) },
      ],
      subtotal: eur(4897),
      discountPercent: 10,
      discount: eur(489),
      total: eur(4408),
      loyalty: { points: 150, discountPercent: 10 },
      degraded: false,
      expiresAt: new Date(clock.now() + TTL_SECONDS * 1000).toISOString(),
    });
    expect((await getCart(userId)).body).toEqual(res.body);
    res = await send({ method: 'DELETE', url: `/api/cart/items/${teapot.id}`, headers: as(userId) });
    expect(res.body).toMatchObject({ version: 4, lines: [{ productId: mug.id }], total: eur(2397 - 239) });
    res = await send({ method: 'DELETE', url: '/api/cart', headers: as(userId) });
    expect(res.body).toMatchObject({ version: 5, lines: [], total: eur(0) });
  });

  it.each([
    [0, 0],
    [99, 0],
    [100, 10],
    [499, 10],
    [500, 20],
  ])('%d loyalty points → %d %% off', async (loyaltyPoints, percent) => {
    const userId = newUser(loyaltyPoints);
    const res = await put(userId, teapot.id, 4);
    const discount = Math.floor((10_000 * percent) / 100);
    expect(res.body).toMatchObject({
      subtotal: eur(10_000),
      discountPercent: percent,
      discount: eur(discount),
      total: eur(10_000 - discount),
      loyalty: { points: loyaltyPoints, discountPercent: percent },
    });
  });

  it('refuses an unknown product (404), another currency (409) and a 51st product (409)', async () => {
    const userId = newUser();
    expectProblem(await put(userId, randomUUID(), 1), 404, 'resource-not-found');
    const other = await put(userId, imported.id, 1);
    expectProblem(other, 409, 'conflict');
    expect(other.body.reason).toBe('other-currency');
    const many = Array.from({ length: 51 }, () => product(100));
    for (const p of many.slice(0, 50)) expect((await put(userId, p.id, 1)).status).toBe(200);
    const full = await put(userId, many[50]!.id, 1);
    expectProblem(full, 409, 'conflict');
    expect(full.body).toMatchObject({ reason: 'too-many-lines', maxLines: 50 });
    expect((await getCart(userId)).body).toMatchObject({ version: 50, subtotal: eur(5000) });
  });

  it('without the users service: the cart shows, degraded, with no discount; charging calls are UNAVAILABLE', async () => {
    const userId = newUser(600);
    await put(userId, teapot.id, 2);
    usersDown = true;
    const res = await getCart(userId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      subtotal: eur(5000),
      discountPercent: 0,
      discount: eur(0),
      total: eur(5000),
      loyalty: null,
      degraded: true,
    });
    expect(await codeOf(grpc.getCart({ userId }))).toBe(Code.Unavailable);
    expect(await codeOf(grpc.priceLines({ userId, lines: [{ productId: teapot.id, quantity: 1 }] }))).toBe(
      Code.Unavailable,
    );
    usersDown = false;
    expect((await getCart(userId)).body).toMatchObject({
      discountPercent: 20,
      total: eur(4000),
      degraded: false,
    });
  });

  it('without the catalogue: 503 with retry-after, and UNAVAILABLE over gRPC', async () => {
    const userId = newUser();
    await put(userId, mug.id, 1);
    catalogDown = true;
    const res = await getCart(userId);
    expectProblem(res, 503, 'service-unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expectProblem(await put(userId, teapot.id, 1), 503, 'service-unavailable');
    expect(await codeOf(grpc.getCart({ userId }))).toBe(Code.Unavailable);
    // An empty cart needs no catalogue.
    expect((await getCart(newUser())).status).toBe(200);
  });

  it('a product gone from the catalogue is listed as unavailable and left out of the totals', async () => {
    const userId = newUser();
    const doomed = product(300);
    await put(userId, doomed.id, 2);
    await put(userId, mug.id, 1);
    catalog.delete(doomed.id);
    const res = await getCart(userId);
    expect(res.body).toMatchObject({
      lines: [{ productId: mug.id }],
      unavailable: [{ productId: doomed.id, quantity: 2, reason: 'not-in-catalog' }],
      subtotal: eur(799),
    });
    expect(await codeOf(grpc.getCart({ userId }))).toBe(Code.FailedPrecondition);
  });

  it('an inactive cart expires (reads empty) and the sweeper deletes it', async () => {
    const userId = newUser();
    await put(userId, mug.id, 1);
    clock.advance(TTL_SECONDS * 1000 - 1);
    expect((await getCart(userId)).body).toMatchObject({ lines: [{ productId: mug.id }] });
    clock.advance(1);
    expect((await getCart(userId)).body).toMatchObject({ version: 1, lines: [], expiresAt: null });
    // The sweeper runs on the injected clock's timer.
    clock.advance(SWEEP_SECONDS * 1000);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await database!.db
        .selectFrom('cart')
        .select('user_id')
        .where('user_id', '=', userId)
        .execute();
      if (rows.length === 0) break;
      if (Date.now() > deadline) throw new Error('the sweeper did not delete the expired cart');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await getCart(userId)).body).toMatchObject({ version: 0, lines: [] });
  });

  describe('gRPC CartService', () => {
    it('GetCart answers the priced cart as REST shows it', async () => {
      const userId = newUser(120);
      await put(userId, teapot.id, 2);
      const rest = (await getCart(userId)).body;
      const cartMessage = await grpc.getCart({ userId });
      expect(cartMessage.userId).toBe(userId);
      expect(cartMessage.version).toBe(BigInt(rest.version as number));
      expect(
        cartMessage.lines.map((l) => [
          l.productId,
          l.name,
          l.quantity,
          l.unitPrice?.amountMinor,
          l.lineTotal?.amountMinor,
        ]),
      ).toEqual([[teapot.id, teapot.name, 2, 2500n, 5000n]]);
      expect([
        cartMessage.subtotal?.amountMinor,
        cartMessage.discount?.amountMinor,
        cartMessage.total?.amountMinor,
      ]).toEqual([5000n, 500n, 4500n]);
      expect(cartMessage.total?.currency).toBe('EUR');
      expect([cartMessage.discountPercent, cartMessage.loyaltyPoints]).toEqual([10, 120]);
      const empty = await grpc.getCart({ userId: newUser() });
      expect([empty.lines.length, empty.version, empty.total?.amountMinor]).toEqual([0, 0n, 0n]);
    });

    it('PriceLines prices without storing; bad lines are INVALID_ARGUMENT, unknown products FAILED_PRECONDITION', async () => {
      const userId = newUser(500);
      const priced = await grpc.priceLines({
        userId,
        lines: [
          { productId: teapot.id, quantity: 1 },
          { productId: mug.id, quantity: 2 },
        ],
      });
      expect([priced.subtotal?.amountMinor, priced.discount?.amountMinor, priced.total?.amountMinor]).toEqual(
        [4098n, 819n, 3279n],
      );
      expect(priced.version).toBe(0n);
      expect((await getCart(userId)).body).toMatchObject({ version: 0, lines: [] });
      const bad = [
        { userId: '', lines: [] },
        { userId: 'u'.repeat(129), lines: [] },
        { userId, lines: [{ productId: 'nope', quantity: 1 }] },
        { userId, lines: [{ productId: teapot.id, quantity: 0 }] },
        { userId, lines: [{ productId: teapot.id, quantity: 100 }] },
        {
          userId,
          lines: [
            { productId: teapot.id, quantity: 1 },
            { productId: teapot.id.toUpperCase(), quantity: 1 },
          ],
        },
        { userId, lines: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })) },
      ];
      for (const request of bad) expect(await codeOf(grpc.priceLines(request))).toBe(Code.InvalidArgument);
      expect(
        await codeOf(grpc.priceLines({ userId, lines: [{ productId: randomUUID(), quantity: 1 }] })),
      ).toBe(Code.FailedPrecondition);
      expect(await codeOf(grpc.getCart({ userId: '' }))).toBe(Code.InvalidArgument);
    });

    it('ClearCart(if_version) clears once, accepts its retry, and never drops an item added meanwhile', async () => {
      const userId = newUser();
      await put(userId, teapot.id, 1);
      const checkout = await grpc.getCart({ userId });
      const cleared = await grpc.clearCart({ userId, ifVersion: checkout.version });
      expect([cleared.lines.length, cleared.version]).toEqual([0, checkout.version + 1n]);
      const retried = await grpc.clearCart({ userId, ifVersion: checkout.version });
      expect(retried.version).toBe(checkout.version + 1n);

      await put(userId, mug.id, 1);
      const second = await grpc.getCart({ userId });
      await put(userId, teapot.id, 3); // added while the checkout runs
      expect(await codeOf(grpc.clearCart({ userId, ifVersion: second.version }))).toBe(
        Code.FailedPrecondition,
      );
      // Both lines are still there (the manual clock gives them one time, so their order is by id).
      const lines = (await getCart(userId)).body.lines as { productId: string }[];
      expect(lines.map((l) => l.productId).sort()).toEqual([mug.id, teapot.id].sort());
      const any = await grpc.clearCart({ userId, ifVersion: 0n });
      expect(any.lines).toHaveLength(0);
      expect(await codeOf(grpc.clearCart({ userId: '', ifVersion: 0n }))).toBe(Code.InvalidArgument);
      expect(await codeOf(grpc.clearCart({ userId, ifVersion: -1n }))).toBe(Code.InvalidArgument);
    });
  });

  describe('bad input is a 4xx problem, never a 5xx', () => {
    const userId = randomUUID();
    const item = (productId: string, body: unknown, extra: Partial<Sent> = {}): Sent => ({
      method: 'PUT',
      url: `/api/cart/items/${productId}`,
      body,
      headers: as(userId),
      ...extra,
    });
    const cases: [string, () => Sent, number, string][] = [
      ['GET without x-user-id', () => ({ method: 'GET', url: '/api/cart' }), 401, 'unauthorized'],
      [
        'PUT without x-user-id',
        () => ({ ...item(teapot.id, { quantity: 1 }), headers: {} }),
        401,
        'unauthorized',
      ],
      [
        'DELETE item without x-user-id',
        () => ({ method: 'DELETE', url: `/api/cart/items/${teapot.id}` }),
        401,
        'unauthorized',
      ],
      ['DELETE cart without x-user-id', () => ({ method: 'DELETE', url: '/api/cart' }), 401, 'unauthorized'],
      [
        'blank x-user-id',
        () => ({ method: 'GET', url: '/api/cart', headers: { 'x-user-id': '  ' } }),
        401,
        'unauthorized',
      ],
      [
        'overlong x-user-id',
        () => ({ method: 'GET', url: '/api/cart', headers: { 'x-user-id': 'u'.repeat(129) } }),
        401,
        'unauthorized',
      ],
      ['negative quantity', () => item(teapot.id, { quantity: -1 }), 400, 'validation-failed'],
      ['zero quantity', () => item(teapot.id, { quantity: 0 }), 400, 'validation-failed'],
      ['quantity 100', () => item(teapot.id, { quantity: 100 }), 400, 'validation-failed'],
      ['fractional quantity', () => item(teapot.id, { quantity: 1.5 }), 400, 'validation-failed'],
      ['quantity as a string', () => item(teapot.id, { quantity: '2' }), 400, 'validation-failed'],
      ['quantity null', () => item(teapot.id, { quantity: null }), 400, 'validation-failed'],
      ['missing quantity', () => item(teapot.id, {}), 400, 'validation-failed'],
      ['body is an array', () => item(teapot.id, [{ quantity: 1 }]), 400, 'validation-failed'],
      [
        'no body',
        () => ({ method: 'PUT', url: `/api/cart/items/${teapot.id}`, headers: as(userId) }),
        400,
        'validation-failed',
      ],
      ['malformed JSON', () => item(teapot.id, undefined, { raw: '{"quantity":' }), 400, 'malformed-body'],
      ['non-uuid product id', () => item('teapot', { quantity: 1 }), 400, 'validation-failed'],
      [
        'non-uuid product id on DELETE',
        () => ({ method: 'DELETE', url: '/api/cart/items/42', headers: as(userId) }),
        400,
        'validation-failed',
      ],
      ['unknown product', () => item(randomUUID(), { quantity: 1 }), 404, 'resource-not-found'],
      [
        'huge body',
        () => item(teapot.id, { quantity: 1, pad: 'x'.repeat(2 * 1024 * 1024) }),
        413,
        'payload-too-large',
      ],
      [
        'text/plain body',
        () =>
          item(teapot.id, undefined, {
            raw: 'quantity=1',
            headers: { ...as(userId), 'content-type': 'text/plain' },
          }),
        415,
        'unsupported-media-type',
      ],
      [
        'unknown route',
        () => ({ method: 'GET', url: '/api/cart/nope', headers: as(userId) }),
        404,
        'route-not-found',
      ],
    ];

    it.each(cases)('%s', async (_name, request, status, slug) => {
      expectProblem(await send(request()), status, slug);
    });

    it('asks the catalogue nothing for a request it refuses', async () => {
      const before = catalogRequests;
      await send(item(teapot.id, { quantity: -1 }));
      await send(item('x', { quantity: 1 }));
      expect(catalogRequests).toBe(before);
    });
  });
});
