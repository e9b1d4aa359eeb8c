import { randomUUID } from 'node:crypto';
import { createService, type Service } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersService } from '../src/app.js';
import type { OrdersTables } from '../src/tables.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const START = Date.parse('2030-01-01T00:00:00Z');

let service: Service;
let database: Database<OrdersTables> | undefined;
let now = START;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  service = await createService(
    ordersService({
      createDatabase: async () => {
        database = await createPgliteDatabase<OrdersTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'orders',
          template,
        });
        return database;
      },
      now: () => now++,
      env: { LOG_LEVEL: 'silent' },
    }),
  );
});

afterAll(async () => {
  await service.shutdown('test');
  await database?.close();
});

interface Sent {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  raw?: string;
}

async function send(request: Sent) {
  const res = await service.app.inject({
    method: request.method,
    url: request.url,
    ...(request.raw !== undefined
      ? { payload: request.raw, headers: { 'content-type': 'application/json' } }
      : request.body !== undefined
        ? { payload: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }
        : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

const line = (amountMinor = 500, currency = 'EUR', quantity = 2) => ({
  productId: randomUUID(),
  quantity,
  unitPrice: { amountMinor, currency },
});
const orderBody = (overrides: Record<string, unknown> = {}) => ({
  orderId: randomUUID(),
  userId: `user-${randomUUID()}`,
  lines: [line(500), line(125, 'EUR', 1)],
  ...overrides,
});
const create = (body: unknown) => send({ method: 'POST', url: '/api/orders', body });
const transition = (id: string, body: unknown) =>
  send({ method: 'POST', url: `/api/orders/${id}/transitions`, body });

describe('orders API', () => {
  it('is ready when the database answers', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });

  it('POST creates (201), replays (200), conflicts (409); GET shows the order', async () => {
    const body = orderBody();
    const first = await create(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      orderId: body.orderId,
      userId: body.userId,
      state: 'pending',
      lines: body.lines,
      total: { amountMinor: 1125, currency: 'EUR' },
      version: 1,
      history: [{ version: 1, from: null, to: 'pending', reason: null }],
    });
    const replay = await create(body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expectProblem(await create({ ...body, lines: [line()] }), 409, 'conflict');

    const got = await send({ method: 'GET', url: `/api/orders/${body.orderId}` });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(first.body);
    expectProblem(
      await send({ method: 'GET', url: `/api/orders/${randomUUID()}` }),
      404,
      'resource-not-found',
    );
  });

  it('POST transitions: applied, idempotent, 409 when not allowed, 404 when unknown', async () => {
    const body = orderBody();
    await create(body);
    const confirmed = await transition(body.orderId, { to: 'confirmed' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ state: 'confirmed', version: 2 });
    const again = await transition(body.orderId, { to: 'confirmed' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(confirmed.body);
    expectProblem(await transition(body.orderId, { to: 'fulfilled' }), 409, 'conflict');
    const cancelled = await transition(body.orderId, { to: 'cancelled', reason: 'payment declined' });
    expect(cancelled.status).toBe(200);
    expect((cancelled.body.history as unknown[]).at(-1)).toMatchObject({
      from: 'confirmed',
      to: 'cancelled',
      reason: 'payment declined',
    });
    const conflict = await transition(body.orderId, { to: 'paid' });
    expectProblem(conflict, 409, 'conflict');
    expect(conflict.body.state).toBe('cancelled');
    expectProblem(await transition(randomUUID(), { to: 'confirmed' }), 404, 'resource-not-found');
  });

  it('GET /api/orders pages a user’s orders newest first', async () => {
    const userId = `user-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = orderBody({ userId });
      ids.push(body.orderId);
      expect((await create(body)).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `userId=${encodeURIComponent(userId)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await send({ method: 'GET', url: `/api/orders?${query}` });
      expect(page.status).toBe(200);
      const orders = page.body.orders as { orderId: string; history?: unknown }[];
      expect(orders.length).toBeLessThanOrEqual(2);
      seen.push(...orders.map((o) => o.orderId));
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
  });

  describe('bad input is a 4xx problem, never a 5xx', () => {
    const id = randomUUID();
    const cases: [string, Sent, number, string][] = [
      [
        'negative quantity',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(1, 'EUR', -1)] }) },
        400,
        'validation-failed',
      ],
      [
        'zero quantity',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(1, 'EUR', 0)] }) },
        400,
        'validation-failed',
      ],
      [
        'quantity > 1000',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(1, 'EUR', 1001)] }) },
        400,
        'validation-failed',
      ],
      [
        'mixed currencies',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(1, 'EUR'), line(1, 'USD')] }) },
        400,
        'validation-failed',
      ],
      [
        'float money',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(9.99)] }) },
        400,
        'validation-failed',
      ],
      [
        'negative money',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(-1)] }) },
        400,
        'validation-failed',
      ],
      [
        'money as a string',
        {
          method: 'POST',
          url: '/api/orders',
          body: orderBody({ lines: [{ ...line(), unitPrice: '9.99 EUR' }] }),
        },
        400,
        'validation-failed',
      ],
      [
        'bad currency',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [line(1, 'euro')] }) },
        400,
        'validation-failed',
      ],
      [
        'non-uuid orderId',
        { method: 'POST', url: '/api/orders', body: orderBody({ orderId: 'order-1' }) },
        400,
        'validation-failed',
      ],
      [
        'non-uuid productId',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [{ ...line(), productId: 'p1' }] }) },
        400,
        'validation-failed',
      ],
      [
        'no lines',
        { method: 'POST', url: '/api/orders', body: orderBody({ lines: [] }) },
        400,
        'validation-failed',
      ],
      [
        '101 lines',
        {
          method: 'POST',
          url: '/api/orders',
          body: orderBody({ lines: Array.from({ length: 101 }, () => line()) }),
        },
        400,
        'validation-failed',
      ],
      [
        'missing userId',
        { method: 'POST', url: '/api/orders', body: { orderId: id, lines: [line()] } },
        400,
        'validation-failed',
      ],
      ['no body', { method: 'POST', url: '/api/orders' }, 400, 'validation-failed'],
      ['malformed JSON', { method: 'POST', url: '/api/orders', raw: '{"orderId":' }, 400, 'malformed-body'],
      ['non-uuid path id', { method: 'GET', url: '/api/orders/not-a-uuid' }, 400, 'validation-failed'],
      [
        'unknown to',
        { method: 'POST', url: `/api/orders/${id}/transitions`, body: { to: 'shipped' } },
        400,
        'validation-failed',
      ],
      [
        'to pending',
        { method: 'POST', url: `/api/orders/${id}/transitions`, body: { to: 'pending' } },
        400,
        'validation-failed',
      ],
      [
        'cancel without a reason',
        { method: 'POST', url: `/api/orders/${id}/transitions`, body: { to: 'cancelled' } },
        400,
        'validation-failed',
      ],
      [
        'empty reason',
        { method: 'POST', url: `/api/orders/${id}/transitions`, body: { to: 'failed', reason: '' } },
        400,
        'validation-failed',
      ],
      [
        'transition on a non-uuid',
        { method: 'POST', url: '/api/orders/x/transitions', body: { to: 'paid' } },
        400,
        'validation-failed',
      ],
      ['list without userId', { method: 'GET', url: '/api/orders' }, 400, 'validation-failed'],
      ['limit 0', { method: 'GET', url: '/api/orders?userId=u&limit=0' }, 400, 'validation-failed'],
      ['limit 101', { method: 'GET', url: '/api/orders?userId=u&limit=101' }, 400, 'validation-failed'],
      [
        'limit not a number',
        { method: 'GET', url: '/api/orders?userId=u&limit=ten' },
        400,
        'validation-failed',
      ],
      [
        'forged cursor',
        { method: 'GET', url: '/api/orders?userId=u&cursor=bm90LWEtY3Vyc29y' },
        400,
        'validation-failed',
      ],
    ];

    it.each(cases)('%s', async (_name, request, status, slug) => {
      expectProblem(await send(request), status, slug);
    });
  });
});
