import { randomUUID } from 'node:crypto';
import { createService, type Service } from '@opsloop/kit';
import {
  createPgliteDatabase,
  createPgliteTemplate,
  PGLITE_MEMORY,
  type Database,
  type PgliteTemplate,
} from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paymentsService } from '../src/app.js';
import { createSeededRandom, createSimulatedProvider, type SimulatedProvider } from '../src/provider.js';
import type { PaymentsTables } from '../src/tables.js';

const PROBLEMS = 'https://opsloop.dev/problems/';
const START = Date.parse('2030-01-01T00:00:00Z');

let template: PgliteTemplate;
let service: Service;
let provider: SimulatedProvider;
const opened: Database<PaymentsTables>[] = [];

beforeAll(async () => {
  template = await createPgliteTemplate();
  provider = createSimulatedProvider({ random: createSeededRandom(7) });
  service = await createService(
    paymentsService({
      createDatabase: async () => {
        const database = await createPgliteDatabase<PaymentsTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'payments',
          template,
        });
        opened.push(database);
        return database;
      },
      provider,
      now: () => START,
      env: { LOG_LEVEL: 'silent' },
    }),
  );
});

afterAll(async () => {
  await service.shutdown('test');
  await Promise.all(opened.map((database) => database.close()));
});

beforeEach(() => {
  provider.configure({ latencyMs: 0, failureRate: 0, declineRate: 0 });
});

interface Sent {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  key?: string;
  body?: unknown;
  raw?: string;
}

async function send(request: Sent) {
  const headers: Record<string, string> = {};
  if (request.key !== undefined) headers['idempotency-key'] = request.key;
  if (request.body !== undefined || request.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await service.app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(request.raw !== undefined
      ? { payload: request.raw }
      : request.body !== undefined
        ? { payload: JSON.stringify(request.body) }
        : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Record<string, unknown>>() };
}

type Received = Awaited<ReturnType<typeof send>>;

function expectProblem(res: Received, status: number, slug: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEMS}${slug}`);
}

const key = () => `http-${randomUUID()}`;
const order = (amountMinor = 1000) => ({ orderId: randomUUID(), amount: { amountMinor, currency: 'EUR' } });
/** `k`: the Idempotency-Key (a fresh one when omitted, none when null). */
const authorize = (body: unknown, k?: string | null) =>
  send({
    method: 'POST',
    url: '/api/payments/authorizations',
    key: k === undefined ? key() : (k ?? undefined),
    body,
  });
const act = (id: string, action: string, k?: string | null) =>
  send({
    method: 'POST',
    url: `/api/payments/${id}/${action}`,
    key: k === undefined ? key() : (k ?? undefined),
  });

async function authorized(): Promise<string> {
  const res = await authorize(order());
  expect(res.status).toBe(201);
  return res.body.paymentId as string;
}

describe('payments over HTTP', () => {
  it('authorizes (201), replays with the same status and body, and GET shows the payment', async () => {
    const body = order(2599);
    const k = key();
    const first = await authorize(body, k);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId: body.orderId, amount: body.amount, status: 'authorized' });
    const replay = await authorize(body, k);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const get = await send({ method: 'GET', url: `/api/payments/${String(first.body.paymentId)}` });
    expect(get.status).toBe(200);
    expect(get.body).toEqual(first.body);
  });

  it('captures, refunds and voids (200), replays them, and refuses invalid transitions (409)', async () => {
    const id = await authorized();
    const k = key();
    const captured = await act(id, 'capture', k);
    expect(captured.status).toBe(200);
    expect(captured.body.status).toBe('captured');
    expect(await act(id, 'capture', k)).toMatchObject({ status: 200, body: captured.body });
    const conflict = await act(id, 'void');
    expectProblem(conflict, 409, 'conflict');
    expect(conflict.body).toMatchObject({ reason: 'invalid-transition', paymentStatus: 'captured' });
    expect((await act(id, 'refund')).body.status).toBe('refunded');

    const other = await authorized();
    expect((await act(other, 'void')).body.status).toBe('voided');
    expectProblem(await act(other, 'capture'), 409, 'conflict');
  });

  it('unknown payments are 404', async () => {
    expectProblem(
      await send({ method: 'GET', url: `/api/payments/${randomUUID()}` }),
      404,
      'resource-not-found',
    );
    for (const action of ['capture', 'void', 'refund'])
      expectProblem(await act(randomUUID(), action), 404, 'resource-not-found');
  });

  it('requires an Idempotency-Key on every write: 400 idempotency-key-required', async () => {
    expectProblem(await authorize(order(), null), 400, 'idempotency-key-required');
    expectProblem(await authorize(order(), ''), 400, 'idempotency-key-required');
    const id = await authorized();
    for (const action of ['capture', 'void', 'refund'])
      expectProblem(await act(id, action, null), 400, 'idempotency-key-required');
    const tooLong = await authorize(order(), 'k'.repeat(256));
    expectProblem(tooLong, 400, 'validation-failed');
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ in: 'header', path: 'idempotency-key' })]);
  });

  it('the same key with a different body is a 409 conflict', async () => {
    const k = key();
    expect((await authorize(order(100), k)).status).toBe(201);
    const res = await authorize(order(100), k);
    expectProblem(res, 409, 'conflict');
    expect(res.body.reason).toBe('idempotency-key-reused');
  });

  it('bad bodies and ids are 4xx problems, never 5xx', async () => {
    const bad: unknown[] = [
      {},
      { orderId: 'x', amount: { amountMinor: 1, currency: 'EUR' } },
      { orderId: randomUUID(), amount: { amountMinor: 1.5, currency: 'EUR' } },
      { orderId: randomUUID(), amount: { amountMinor: '100', currency: 'EUR' } },
      { orderId: randomUUID(), amount: { amountMinor: 0, currency: 'EUR' } },
      { orderId: randomUUID(), amount: { amountMinor: 1e15, currency: 'EUR' } },
      { orderId: randomUUID(), amount: { amountMinor: 1, currency: 'eur' } },
      { orderId: randomUUID(), amount: 100 },
      [],
      null,
    ];
    for (const body of bad) expectProblem(await authorize(body), 400, 'validation-failed');
    const malformed = await send({
      method: 'POST',
      url: '/api/payments/authorizations',
      key: key(),
      raw: '{',
    });
    expectProblem(malformed, 400, 'malformed-body');
    expectProblem(await act('not-a-uuid', 'capture'), 400, 'validation-failed');
    expectProblem(await send({ method: 'GET', url: '/api/payments/not-a-uuid' }), 400, 'validation-failed');
  });

  it('a provider failure is 503 with retry-after; the retry with the same key succeeds', async () => {
    provider.configure({ failureRate: 1 });
    const body = order();
    const k = key();
    const failed = await authorize(body, k);
    expectProblem(failed, 503, 'service-unavailable');
    expect(failed.headers['retry-after']).toBe('1');
    provider.configure({ failureRate: 0 });
    const retried = await authorize(body, k);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a decline is a 201 payment with status declined, replayed identically', async () => {
    provider.configure({ declineRate: 1 });
    const body = order();
    const k = key();
    const first = await authorize(body, k);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'declined', declineReason: 'card declined' });
    provider.configure({ declineRate: 0 });
    expect(await authorize(body, k)).toMatchObject({ status: 201, body: first.body });
  });

  it('5 concurrent identical requests charge once', async () => {
    provider.configure({ latencyMs: 50 });
    const before = provider.calls().authorize;
    const body = order();
    const k = key();
    const all = await Promise.all(Array.from({ length: 5 }, () => authorize(body, k)));
    expect(provider.calls().authorize - before).toBe(1);
    for (const res of all) expect(res).toMatchObject({ status: 201, body: all[0]?.body });
  });

  it('GET and PUT /api/payments/provider read and change the fault knobs', async () => {
    expect(await send({ method: 'GET', url: '/api/payments/provider' })).toMatchObject({
      status: 200,
      body: { latencyMs: 0, failureRate: 0, declineRate: 0 },
    });
    const put = await send({
      method: 'PUT',
      url: '/api/payments/provider',
      body: { latencyMs: 5, failureRate: 0.25 },
    });
    expect(put).toMatchObject({ status: 200, body: { latencyMs: 5, failureRate: 0.25, declineRate: 0 } });
    expect((await send({ method: 'GET', url: '/api/payments/provider' })).body).toEqual(put.body);
    for (const bad of [
      { latencyMs: -1 },
      { latencyMs: 60_001 },
      { latencyMs: 1.5 },
      { failureRate: 2 },
      { declineRate: -0.1 },
      { declineRate: 'x' },
    ])
      expectProblem(
        await send({ method: 'PUT', url: '/api/payments/provider', body: bad }),
        400,
        'validation-failed',
      );
    expect(provider.settings()).toEqual(put.body);
  });

  it('is ready once the database answers', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });
});
