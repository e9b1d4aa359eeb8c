import { randomUUID } from 'node:crypto';
import { createService, type Service } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paymentsService } from './app.js';
import { createSeededRandom, createSimulatedProvider, type SimulatedProvider } from './provider.js';
import type { PaymentsTables } from './tables.js';

const START = Date.parse('2030-01-01T00:00:00Z');

let service: Service;
let provider: SimulatedProvider;
let database: Database<PaymentsTables> | undefined;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  provider = createSimulatedProvider({ random: createSeededRandom(3) });
  service = await createService(
    paymentsService({
      createDatabase: async () => {
        database = await createPgliteDatabase<PaymentsTables>({
          dataDir: PGLITE_MEMORY,
          schema: 'payments',
          template,
        });
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
  await database?.close();
});

beforeEach(() => {
  provider.configure({ latencyMs: 0, failureRate: 0, declineRate: 0 });
});

/** The value of one series as `/metrics` shows it (0 when absent). */
async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await service.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const series = metric?.values.find((v) =>
    Object.entries(labels).every(([label, wanted]) => v.labels[label] === wanted),
  );
  return series?.value ?? 0;
}

/** The values of `name` summed by `label` (over the series matching `extra`). */
async function byLabel(name: string, label: string, extra: Record<string, string> = {}) {
  const metric = (await service.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? [])
    if (Object.entries(extra).every(([l, w]) => v.labels[l] === w))
      out[String(v.labels[label])] = (out[String(v.labels[label])] ?? 0) + v.value;
  return out;
}

const post = async (url: string, key: string, body?: unknown) => {
  const res = await service.app.inject({
    method: 'POST',
    url,
    headers: {
      'idempotency-key': key,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
};
const authorize = (key: string, amountMinor: number, currency = 'EUR', orderId = randomUUID()) =>
  post('/api/payments/authorizations', key, { orderId, amount: { amountMinor, currency } });

describe('payments business metrics', () => {
  it('counts an authorization once however often it is replayed, with its amount', async () => {
    const authorized = () => value('payments_total', { operation: 'authorize', outcome: 'authorized' });
    const duplicates = () => value('payments_total', { operation: 'authorize', outcome: 'duplicate' });
    const cents = () => value('payment_amount_minor_units_total', { currency: 'EUR', outcome: 'authorized' });
    const [a0, d0, c0] = [await authorized(), await duplicates(), await cents()];

    const key = `k-${randomUUID()}`;
    const orderId = randomUUID();
    expect((await authorize(key, 1250, 'EUR', orderId)).status).toBe(201);
    expect((await authorize(key, 1250, 'EUR', orderId)).status).toBe(201);
    // Two at once: one of them waits for the stored answer of the other.
    const other = `k-${randomUUID()}`;
    const otherOrder = randomUUID();
    const both = await Promise.all([
      authorize(other, 750, 'EUR', otherOrder),
      authorize(other, 750, 'EUR', otherOrder),
    ]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);

    expect(await authorized()).toBe(a0 + 2);
    expect(await duplicates()).toBe(d0 + 2);
    expect(await cents()).toBe(c0 + 1250 + 750);
    expect(provider.calls().authorize).toBeGreaterThanOrEqual(2);
  });

  it('counts declines, provider failures and refusals under their own outcomes', async () => {
    const before = await byLabel('payments_total', 'outcome', { operation: 'authorize' });
    provider.configure({ declineRate: 1 });
    expect((await authorize(`k-${randomUUID()}`, 500)).body.status).toBe('declined');
    provider.configure({ declineRate: 0, failureRate: 1 });
    expect((await authorize(`k-${randomUUID()}`, 500)).status).toBe(503);
    provider.configure({ failureRate: 0 });
    const key = `k-${randomUUID()}`;
    await authorize(key, 500);
    expect((await authorize(key, 501)).status).toBe(409);

    const after = await byLabel('payments_total', 'outcome', { operation: 'authorize' });
    const delta = (o: string) => (after[o] ?? 0) - (before[o] ?? 0);
    expect(delta('declined')).toBe(1);
    expect(delta('failed')).toBe(1);
    expect(delta('key_reused')).toBe(1);
    expect(delta('authorized')).toBe(1);
    expect(await value('payment_amount_minor_units_total', { outcome: 'declined' })).toBeGreaterThanOrEqual(
      500,
    );
  });

  it('counts captures, refunds and refused transitions; an unknown currency is labelled other', async () => {
    const res = await authorize(`k-${randomUUID()}`, 900, 'XAF');
    const id = String(res.body.paymentId);
    const capture = `c-${randomUUID()}`;
    const before = await byLabel('payments_total', 'outcome');
    const refunded0 = await value('payment_amount_minor_units_total', {
      currency: 'other',
      outcome: 'refunded',
    });

    expect((await post(`/api/payments/${id}/capture`, capture)).status).toBe(200);
    expect((await post(`/api/payments/${id}/capture`, capture)).status).toBe(200);
    expect((await post(`/api/payments/${id}/void`, `v-${randomUUID()}`)).status).toBe(409);
    expect((await post(`/api/payments/${id}/refund`, `r-${randomUUID()}`)).status).toBe(200);
    expect((await post(`/api/payments/${randomUUID()}/refund`, `r-${randomUUID()}`)).status).toBe(404);

    const after = await byLabel('payments_total', 'outcome');
    const delta = (o: string) => (after[o] ?? 0) - (before[o] ?? 0);
    expect([delta('captured'), delta('duplicate'), delta('invalid_transition')]).toEqual([1, 1, 1]);
    expect([delta('refunded'), delta('not_found')]).toEqual([1, 1]);
    expect(await value('payment_amount_minor_units_total', { currency: 'other', outcome: 'refunded' })).toBe(
      refunded0 + 900,
    );
    expect(await value('payment_amount_minor_units_total', { currency: 'XAF' })).toBe(0);
  });
});
