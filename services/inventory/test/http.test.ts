import { randomUUID } from 'node:crypto';
import { createService, type Service } from '@opsloop/kit';
import {
  createPgliteDatabase,
  createPgliteTemplate,
  PGLITE_MEMORY,
  type Database,
  type PgliteTemplate,
} from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryService } from '../src/app.js';
import { loadStockSeed, DEFAULT_STOCK_SEED } from '../src/seed.js';
import type { InventoryTables } from '../src/tables.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const START = Date.parse('2030-01-01T00:00:00Z');

let template: PgliteTemplate;
let service: Service;
let now = START;
const opened: Database<InventoryTables>[] = [];
const services: Service[] = [];

async function start(env: Record<string, string> = {}): Promise<Service> {
  const created = await createService(
    inventoryService({
      createDatabase: async () => {
        const database = await createPgliteDatabase<InventoryTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'inventory',
          template,
        });
        opened.push(database);
        return database;
      },
      now: () => now,
      env: { LOG_LEVEL: 'silent', RESERVATION_SWEEP_MS: '3600000', ...env },
    }),
  );
  services.push(created);
  return created;
}

beforeAll(async () => {
  template = await createPgliteTemplate();
  service = await start();
});

afterAll(async () => {
  for (const s of services) await s.shutdown('test');
  // The service closes its database on shutdown; closing again is a no-op, and covers a failed start.
  await Promise.all(opened.map((database) => database.close()));
});

interface Sent {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
}

async function send(request: Sent, target: Service = service) {
  const res = await target.app.inject({
    method: request.method,
    url: request.url,
    ...(request.raw !== undefined
      ? { payload: request.raw, headers: { 'content-type': request.contentType ?? 'application/json' } }
      : request.body !== undefined
        ? { payload: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }
        : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

const setStock = (productId: string, onHand: number) =>
  send({ method: 'PUT', url: `/api/inventory/${productId}`, body: { onHand } });
const reserve = (body: unknown) => send({ method: 'POST', url: '/api/inventory/reservations', body });

function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

describe('stock', () => {
  it('starts with 100 of every catalogue product', async () => {
    const seed = await loadStockSeed(DEFAULT_STOCK_SEED);
    expect(seed).toHaveLength(60);
    const first = seed[0]!;
    const res = await send({ method: 'GET', url: `/api/inventory/${first.productId}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ productId: first.productId, onHand: 100, reserved: 0, available: 100 });
  });

  it('PUT sets the stock; GET reads it; an unknown product is 404', async () => {
    const p = randomUUID();
    expectProblem(await send({ method: 'GET', url: `/api/inventory/${p}` }), 404, 'resource-not-found');
    const put = await setStock(p, 7);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ productId: p, onHand: 7, reserved: 0, available: 7 });
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` })).body).toEqual(put.body);
  });

  it('PUT below what is reserved is a 409 conflict', async () => {
    const p = randomUUID();
    await setStock(p, 5);
    expect(
      (await reserve({ reservationId: randomUUID(), lines: [{ productId: p, quantity: 4 }] })).status,
    ).toBe(201);
    const res = await setStock(p, 3);
    expectProblem(res, 409, 'conflict');
    expect(res.body.reserved).toBe(4);
  });
});

describe('reservations', () => {
  it('POST holds (201), replays (200), and GET shows it', async () => {
    const p = randomUUID();
    await setStock(p, 10);
    const id = randomUUID();
    const body = { reservationId: id, lines: [{ productId: p, quantity: 3 }] };
    const first = await reserve(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ reservationId: id, state: 'held', lines: body.lines });
    // Default TTL: 900 s.
    expect(Date.parse(first.body.expiresAt as string) - Date.parse(first.body.createdAt as string)).toBe(
      900_000,
    );
    const replay = await reserve(body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const got = await send({ method: 'GET', url: `/api/inventory/reservations/${id}` });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(first.body);
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` })).body).toMatchObject({
      reserved: 3,
      available: 7,
    });
  });

  it('the same id with other lines is a 409 conflict', async () => {
    const p = randomUUID();
    await setStock(p, 10);
    const id = randomUUID();
    await reserve({ reservationId: id, lines: [{ productId: p, quantity: 1 }] });
    expectProblem(
      await reserve({ reservationId: id, lines: [{ productId: p, quantity: 2 }] }),
      409,
      'conflict',
    );
  });

  it('a shortage is a 409 conflict naming the products short, and reserves nothing', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await setStock(a, 10);
    await setStock(b, 1);
    const res = await reserve({
      reservationId: randomUUID(),
      lines: [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 2 },
      ],
    });
    expectProblem(res, 409, 'conflict');
    expect(res.body.outOfStock).toEqual([{ productId: b, requested: 2, available: 1 }]);
    expect((await send({ method: 'GET', url: `/api/inventory/${a}` })).body).toMatchObject({ reserved: 0 });
  });

  it('commit (idempotent) takes the stock; release after commit is a 409', async () => {
    const p = randomUUID();
    await setStock(p, 10);
    const id = randomUUID();
    await reserve({ reservationId: id, lines: [{ productId: p, quantity: 4 }] });
    for (let i = 0; i < 2; i++) {
      const res = await send({ method: 'POST', url: `/api/inventory/reservations/${id}/commit` });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'committed', committedAt: new Date(now).toISOString() });
    }
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` })).body).toEqual({
      productId: p,
      onHand: 6,
      reserved: 0,
      available: 6,
    });
    const release = await send({ method: 'POST', url: `/api/inventory/reservations/${id}/release` });
    expectProblem(release, 409, 'conflict');
    expect(release.body.state).toBe('committed');
  });

  it('release (idempotent) returns the stock; commit after release is a 409', async () => {
    const p = randomUUID();
    await setStock(p, 10);
    const id = randomUUID();
    await reserve({ reservationId: id, lines: [{ productId: p, quantity: 4 }] });
    for (let i = 0; i < 2; i++) {
      const res = await send({ method: 'POST', url: `/api/inventory/reservations/${id}/release` });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'released' });
    }
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` })).body).toMatchObject({
      onHand: 10,
      reserved: 0,
    });
    const commit = await send({ method: 'POST', url: `/api/inventory/reservations/${id}/commit` });
    expectProblem(commit, 409, 'conflict');
    expect(commit.body.state).toBe('released');
  });

  it('commit after expiry is a 409 and the stock is back', async () => {
    const p = randomUUID();
    await setStock(p, 10);
    const id = randomUUID();
    await reserve({ reservationId: id, lines: [{ productId: p, quantity: 4 }], ttlSeconds: 1 });
    now += 1000;
    const commit = await send({ method: 'POST', url: `/api/inventory/reservations/${id}/commit` });
    expectProblem(commit, 409, 'conflict');
    expect(commit.body.state).toBe('expired');
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` })).body).toMatchObject({ reserved: 0 });
  });

  it('unknown reservations are 404 for GET, commit and release', async () => {
    const id = randomUUID();
    for (const req of [
      { method: 'GET', url: `/api/inventory/reservations/${id}` },
      { method: 'POST', url: `/api/inventory/reservations/${id}/commit` },
      { method: 'POST', url: `/api/inventory/reservations/${id}/release` },
    ] as const)
      expectProblem(await send(req), 404, 'resource-not-found');
  });
});

describe('bad input is a 4xx problem, never a 5xx', () => {
  const p = '019b76da-a800-7439-b1ca-5b9412bcf12d';
  const line = (quantity: unknown, productId: unknown = p) => ({ productId, quantity });
  const body = (lines: unknown, extra: Record<string, unknown> = {}) => ({
    reservationId: randomUUID(),
    lines,
    ...extra,
  });

  it.each<[string, Sent, string]>([
    ['a non-UUID product id', { method: 'GET', url: '/api/inventory/not-a-uuid' }, 'validation-failed'],
    [
      'a non-UUID in PUT',
      { method: 'PUT', url: '/api/inventory/123', body: { onHand: 1 } },
      'validation-failed',
    ],
    [
      'a negative onHand',
      { method: 'PUT', url: `/api/inventory/${p}`, body: { onHand: -1 } },
      'validation-failed',
    ],
    [
      'a fractional onHand',
      { method: 'PUT', url: `/api/inventory/${p}`, body: { onHand: 1.5 } },
      'validation-failed',
    ],
    [
      'a string onHand',
      { method: 'PUT', url: `/api/inventory/${p}`, body: { onHand: '5' } },
      'validation-failed',
    ],
    [
      'a huge onHand',
      { method: 'PUT', url: `/api/inventory/${p}`, body: { onHand: 1e12 } },
      'validation-failed',
    ],
    ['no PUT body', { method: 'PUT', url: `/api/inventory/${p}` }, 'validation-failed'],
    ['a null PUT body', { method: 'PUT', url: `/api/inventory/${p}`, raw: 'null' }, 'validation-failed'],
    ['malformed JSON', { method: 'PUT', url: `/api/inventory/${p}`, raw: '{"onHand":' }, 'malformed-body'],
    [
      'a text body',
      { method: 'PUT', url: `/api/inventory/${p}`, raw: 'onHand=1', contentType: 'text/plain' },
      'unsupported-media-type',
    ],
    [
      'a zero quantity',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(0)]) },
      'validation-failed',
    ],
    [
      'a negative quantity',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(-3)]) },
      'validation-failed',
    ],
    [
      'a fractional quantity',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(0.5)]) },
      'validation-failed',
    ],
    [
      'a huge quantity',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(2 ** 40)]) },
      'validation-failed',
    ],
    [
      'a non-UUID line product',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(1, 'x')]) },
      'validation-failed',
    ],
    [
      'a non-UUID reservation id',
      {
        method: 'POST',
        url: '/api/inventory/reservations',
        body: { reservationId: 'r-1', lines: [line(1)] },
      },
      'validation-failed',
    ],
    [
      'duplicate product lines',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(1), line(2, p.toUpperCase())]) },
      'validation-failed',
    ],
    ['no lines', { method: 'POST', url: '/api/inventory/reservations', body: body([]) }, 'validation-failed'],
    [
      'lines not a list',
      { method: 'POST', url: '/api/inventory/reservations', body: body({}) },
      'validation-failed',
    ],
    [
      '101 lines',
      {
        method: 'POST',
        url: '/api/inventory/reservations',
        body: body(Array.from({ length: 101 }, () => line(1, randomUUID()))),
      },
      'validation-failed',
    ],
    [
      'ttlSeconds 0',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(1)], { ttlSeconds: 0 }) },
      'validation-failed',
    ],
    [
      'ttlSeconds over a day',
      { method: 'POST', url: '/api/inventory/reservations', body: body([line(1)], { ttlSeconds: 86_401 }) },
      'validation-failed',
    ],
    ['an array body', { method: 'POST', url: '/api/inventory/reservations', body: [] }, 'validation-failed'],
    ['no reservation body', { method: 'POST', url: '/api/inventory/reservations' }, 'validation-failed'],
    [
      'a body over the size limit',
      {
        method: 'POST',
        url: '/api/inventory/reservations',
        raw: JSON.stringify(body([line(1)], { padding: 'x'.repeat(1_100_000) })),
      },
      'payload-too-large',
    ],
    [
      'a non-UUID reservation to GET',
      { method: 'GET', url: '/api/inventory/reservations/abc' },
      'validation-failed',
    ],
    [
      'a non-UUID reservation to commit',
      { method: 'POST', url: '/api/inventory/reservations/abc/commit' },
      'validation-failed',
    ],
    [
      'a non-UUID reservation to release',
      { method: 'POST', url: '/api/inventory/reservations/abc/release' },
      'validation-failed',
    ],
  ])('%s', async (_what, request, slug) => {
    const res = await send(request);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expectProblem(res, res.status, slug);
  });

  it('reports every invalid line with its path', async () => {
    const res = await reserve(body([line(0), line(1, 'nope')]));
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'body', path: 'lines.0.quantity' }),
        expect.objectContaining({ in: 'body', path: 'lines.1.productId' }),
      ]),
    );
  });
});

describe('inventory service', () => {
  it('is ready when its database answers', async () => {
    const res = await send({ method: 'GET', url: '/readyz' });
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual([{ name: 'database', ok: true }]);
  });

  it('seeds nothing with INVENTORY_SEED=none, and the sweeper expires due reservations', async () => {
    const other = await start({ INVENTORY_SEED: 'none', RESERVATION_SWEEP_MS: '20' });
    const seed = await loadStockSeed(DEFAULT_STOCK_SEED);
    expectProblem(
      await send({ method: 'GET', url: `/api/inventory/${seed[0]!.productId}` }, other),
      404,
      'resource-not-found',
    );
    const p = randomUUID();
    await send({ method: 'PUT', url: `/api/inventory/${p}`, body: { onHand: 2 } }, other);
    const id = randomUUID();
    const created = await send(
      {
        method: 'POST',
        url: '/api/inventory/reservations',
        body: { reservationId: id, lines: [{ productId: p, quantity: 2 }], ttlSeconds: 60 },
      },
      other,
    );
    expect(created.status).toBe(201);
    now += 60_000;
    // Bounded wait for the sweeper (every 20 ms) to see the advanced clock.
    let state: unknown;
    for (let attempt = 0; attempt < 500 && state !== 'expired'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await send({ method: 'GET', url: `/api/inventory/reservations/${id}` }, other)).body.state;
    }
    expect(state).toBe('expired');
    expect((await send({ method: 'GET', url: `/api/inventory/${p}` }, other)).body).toMatchObject({
      reserved: 0,
      available: 2,
    });
    // Shutdown stops the sweeper and closes the database: readiness fails afterwards.
    expect(await other.shutdown('test')).toBe(true);
    expect(await other.readiness.evaluate()).toMatchObject({ ready: false });
  });

  it('rejects a bad RESERVATION_SWEEP_MS as a config error', async () => {
    await expect(start({ RESERVATION_SWEEP_MS: 'soon' })).rejects.toThrow(/RESERVATION_SWEEP_MS/);
  });
});
