import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEmbeddedBroker,
  createInProcessEventBus,
  type EmbeddedBroker,
  type EventBus,
} from '@opsloop/bus';
import { createService, type Service } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkoutService } from '../src/app.js';
import type { CheckoutTables } from '../src/tables.js';
import { addProduct, createFakeShop, type FakeShop } from './fake-participants.js';

const PROBLEMS = 'https://opsloop.dev/problems/';

let service: Service;
let database: Database<CheckoutTables> | undefined;
let broker: EmbeddedBroker;
let bus: EventBus | undefined;
let dir: string;
const shop: FakeShop = createFakeShop();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkout-http-'));
  broker = await createEmbeddedBroker({ dir });
  const template = await createPgliteTemplate();
  service = await createService(
    checkoutService({
      createDatabase: async () => {
        database = await createPgliteDatabase<CheckoutTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'checkout',
          template,
        });
        return database;
      },
      createBus: () => Promise.resolve((bus = createInProcessEventBus(broker))),
      createParticipants: () => shop.participants,
      env: {
        LOG_LEVEL: 'silent',
        OPSLOOP_BUS_URL: 'http://127.0.0.1:1',
        CHECKOUT_REQUEST_TIMEOUT_MS: '1500',
        CHECKOUT_RECOVERY_INTERVAL_MS: '100',
        CHECKOUT_MAX_BACKOFF_MS: '20',
      },
    }),
  );
});

afterAll(async () => {
  await service.shutdown('test');
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  shop.clearFailures();
  shop.declineAuthorizations(false);
  shop.setLatency(0);
});

interface Sent {
  method?: 'GET' | 'POST';
  url?: string;
  user?: string | undefined;
  key?: string | undefined;
  body?: unknown;
}

async function send({ method = 'POST', url = '/api/checkout', user, key, body }: Sent) {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers['x-user-id'] = user;
  if (key !== undefined) headers['idempotency-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await service.app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

const user = () => `user-${randomUUID()}`;

describe('POST /api/checkout', () => {
  it('needs the user (401) and an Idempotency-Key (400 idempotency-key-required)', async () => {
    expectProblem(await send({ key: 'k1', body: {} }), 401, 'unauthorized');
    expectProblem(await send({ user: user(), body: {} }), 400, 'idempotency-key-required');
    expectProblem(await send({ user: user(), key: 'é-not-ascii', body: {} }), 400, 'validation-failed');
    expectProblem(await send({ user: user(), key: 'x'.repeat(256), body: {} }), 400, 'validation-failed');
  });

  it.each([
    ['an unknown member (a misspelt lines)', { line: [] }],
    ['no lines', { lines: [] }],
    ['a non-UUID product', { lines: [{ productId: 'abc', quantity: 1 }] }],
    ['a zero quantity', { lines: [{ productId: randomUUID(), quantity: 0 }] }],
    ['a fractional quantity', { lines: [{ productId: randomUUID(), quantity: 1.5 }] }],
    [
      'a product twice',
      (() => {
        const id = randomUUID();
        return {
          lines: [
            { productId: id, quantity: 1 },
            { productId: id, quantity: 2 },
          ],
        };
      })(),
    ],
  ])('rejects %s with 400 validation-failed', async (_name, body) => {
    expectProblem(await send({ user: user(), key: randomUUID(), body }), 400, 'validation-failed');
  });

  it('checks out explicit lines: 201 with the order, payment and total; the same request replays it', async () => {
    const product = addProduct(shop, 10, 499);
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 3 }] },
    };
    const first = await send(request);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ state: 'completed', total: { amountMinor: 1497, currency: 'EUR' } });
    expect(first.body.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.body.paymentId).toEqual(expect.any(String));
    expect(first.headers.location).toBe(`/api/checkout/${String(first.body.checkoutId)}`);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await send(request);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(shop.orders.get(String(first.body.orderId))?.state).toBe('paid');
  });

  it('answers 409 conflict for the same key with another body', async () => {
    const product = addProduct(shop, 10);
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    };
    expect((await send(request)).status).toBe(201);
    const other = await send({ ...request, body: { lines: [{ productId: product, quantity: 2 }] } });
    expectProblem(other, 409, 'conflict');
    expect(other.body.reason).toBe('idempotency-key-reused');
    // The key is per user: another user may use it.
    expect((await send({ ...request, user: user() })).status).toBe(201);
  });

  it('runs 5 concurrent identical requests as one checkout with 5 identical answers', async () => {
    const product = addProduct(shop, 10);
    const capturesBefore = shop.effects.captures;
    shop.setLatency(20);
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    };
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(request)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]?.body);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(shop.effects.captures - capturesBefore).toBe(1);
  });

  it('checks out the cart (priced with its discount) and clears it', async () => {
    const product = addProduct(shop, 10, 1000);
    const id = user();
    shop.carts.set(id, { lines: [{ productId: product, quantity: 2 }], version: 4 });
    const res = await send({ user: id, key: randomUUID() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      source: 'cart',
      subtotal: { amountMinor: 2000 },
      discount: { amountMinor: 200 },
      total: { amountMinor: 1800 },
    });
    expect(shop.carts.get(id)).toEqual({ lines: [], version: 5 });
    expectProblem(await send({ user: id, key: randomUUID() }), 409, 'conflict');
  });

  it('answers 409 out-of-stock with the shortages, and replays it', async () => {
    const product = addProduct(shop, 1);
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 2 }] },
    };
    const res = await send(request);
    expectProblem(res, 409, 'out-of-stock');
    expect(res.body.shortages).toEqual([{ productId: product, requested: 2, available: 1 }]);
    const again = await send(request);
    expect(again.body).toEqual(res.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 402 payment-declined', async () => {
    const product = addProduct(shop, 3);
    shop.declineAuthorizations(true);
    const res = await send({
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    });
    expectProblem(res, 402, 'payment-declined');
    expect(res.body).toMatchObject({ reason: 'payment-declined', declineReason: 'insufficient-funds' });
    expect(shop.stock.get(product)).toEqual({ onHand: 3, reserved: 0 });
  });

  it('answers 400 when the cart cannot price a line, and 503 when pricing is down (no saga either way)', async () => {
    expectProblem(
      await send({
        user: user(),
        key: randomUUID(),
        body: { lines: [{ productId: randomUUID(), quantity: 1 }] },
      }),
      400,
      'validation-failed',
    );
    shop.fail('cart.price', 'unavailable', 1);
    const res = await send({
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: addProduct(shop, 1), quantity: 1 }] },
    });
    expectProblem(res, 503, 'service-unavailable');
    expect(res.headers['retry-after']).toBe('2');
  });

  it('answers 503 after compensating an unavailable participant; a retry with the same key starts over', async () => {
    const product = addProduct(shop, 5);
    shop.fail('inventory.reserve', 'unavailable');
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    };
    const res = await send(request);
    expectProblem(res, 503, 'service-unavailable');
    expect(res.headers['retry-after']).toBe('2');
    shop.clearFailures();
    const retry = await send(request);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body.checkoutId).not.toBe(res.body.checkoutId);
    expect((await send(request)).body).toEqual(retry.body);
  });

  it('answers 202 when the saga outlasts the request, and the saga finishes anyway', async () => {
    const product = addProduct(shop, 5);
    shop.fail('payments.capture', 'unavailable');
    const request = {
      user: user(),
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    };
    const res = await send(request);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ state: 'running', step: 'capture' });
    expect(res.headers.location).toBe(`/api/checkout/${String(res.body.checkoutId)}`);
    shop.clearFailures();
    // The recovery loop (every 100 ms here) picks the parked saga up.
    let replay = await send(request);
    for (let i = 0; i < 100 && replay.status === 202; i++) replay = await send(request);
    expect(replay.status).toBe(201);
    expect(replay.body.checkoutId).toBe(res.body.checkoutId);
  }, 30_000);
});

describe('GET /api/checkout/{id}', () => {
  it('shows the saga to its owner only', async () => {
    const owner = user();
    const product = addProduct(shop, 5);
    const placed = await send({
      user: owner,
      key: randomUUID(),
      body: { lines: [{ productId: product, quantity: 1 }] },
    });
    const url = `/api/checkout/${String(placed.body.checkoutId)}`;
    const mine = await send({ method: 'GET', url, user: owner });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      checkoutId: placed.body.checkoutId,
      state: 'completed',
      answerStatus: 201,
    });
    expect((mine.body.steps as { step: string }[]).map((s) => s.step)).toContain('capture');
    expect(JSON.stringify(mine.body)).not.toMatch(/lease|lastError/);
    expectProblem(await send({ method: 'GET', url, user: user() }), 404, 'resource-not-found');
    expectProblem(await send({ method: 'GET', url }), 401, 'unauthorized');
    expectProblem(
      await send({ method: 'GET', url: '/api/checkout/nope', user: owner }),
      400,
      'validation-failed',
    );
  });
});

describe('operator endpoints', () => {
  it('list sagas with their errors and show counts', async () => {
    const stats = await send({ method: 'GET', url: '/internal/checkout/stats' });
    expect(stats.status).toBe(200);
    expect(stats.body.sagas).toMatchObject({
      completed: expect.any(Number),
      compensated: expect.any(Number),
    });
    const list = await send({ method: 'GET', url: '/internal/checkout/sagas?state=compensated&limit=5' });
    const sagas = list.body.sagas as { state: string; failure: unknown }[];
    expect(sagas.length).toBeGreaterThan(0);
    expect(sagas.every((s) => s.state === 'compensated' && s.failure !== null)).toBe(true);
    expectProblem(
      await send({ method: 'GET', url: '/internal/checkout/sagas?state=nope' }),
      400,
      'validation-failed',
    );
  });

  it('publishes the outbox to the bus', async () => {
    await bus?.ensureStream('orders');
    const total = await database!.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBeGreaterThan(0);
    // The relay runs in the background; everything is published within a few polls.
    for (let i = 0; i < 100; i++) {
      const left = await database!.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('published_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const left = await database!.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
  });
});
