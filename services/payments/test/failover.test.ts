import { randomUUID } from 'node:crypto';
import { startTestFlagsServer, type TestFlagsServer } from '@opsloop/flags';
import { createService, type Service } from '@opsloop/kit';
import {
  createPgliteDatabase,
  createPgliteTemplate,
  PGLITE_MEMORY,
  type Database,
  type PgliteTemplate,
} from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { paymentsService } from '../src/app.js';
import { paymentsMigrations } from '../src/migrations.js';
import { createPayments } from '../src/payments.js';
import { createSeededRandom, createSimulatedProvider, type SimulatedProvider } from '../src/provider.js';
import { CARD_PROVIDER_FLAG } from '../src/provider-selection.js';
import type { PaymentsTables } from '../src/tables.js';

// The flag as opsloop.yaml declares it.
const document = {
  flags: {
    [CARD_PROVIDER_FLAG]: {
      state: 'ENABLED',
      variants: { primary: 'primary', secondary: 'secondary' },
      defaultVariant: 'primary',
    },
  },
};

const opened: Database<PaymentsTables>[] = [];
let service: Service;
let flags: TestFlagsServer;
let primary: SimulatedProvider;
let secondary: SimulatedProvider;
let template: PgliteTemplate;

beforeAll(async () => {
  flags = await startTestFlagsServer({ document });
  primary = createSimulatedProvider({ random: createSeededRandom(11) });
  secondary = createSimulatedProvider({ random: createSeededRandom(12) });
  template = await createPgliteTemplate();
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
      provider: primary,
      secondaryProvider: secondary,
      env: { LOG_LEVEL: 'silent', OPSLOOP_FLAGS_URL: flags.url },
    }),
  );
});

afterAll(async () => {
  await service?.shutdown('test');
  await flags?.close();
  await Promise.all(opened.map((database) => database.close()));
});

async function post(url: string, body?: unknown) {
  const res = await service.app.inject({
    method: 'POST',
    url,
    headers: {
      'idempotency-key': randomUUID(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

const scrape = async () => (await service.app.inject({ url: '/metrics' })).body;

/** Authorizations primary answered `authorized`, as the provider call metrics count them. */
function primaryAuthorizedCount(metrics: string): number {
  const line =
    /payment_provider_calls_total\{[^}]*provider="primary"[^}]*operation="authorize"[^}]*outcome="ok"[^}]*\} (\d+)/;
  return Number(line.exec(metrics)?.[1] ?? 0);
}

const authorize = () =>
  post('/api/payments/authorizations', {
    orderId: randomUUID(),
    amount: { amountMinor: 1000, currency: 'EUR' },
  });

describe(`failover by the ${CARD_PROVIDER_FLAG} flag`, () => {
  it('switches new authorizations at run time; captures of earlier ones still reach primary; metrics by provider', async () => {
    await vi.waitFor(async () => expect((await authorize()).body.provider).toBe('primary'), {
      timeout: 5_000,
      interval: 20,
    });
    const old = await authorize();
    expect(old).toMatchObject({ status: 201, body: { provider: 'primary', status: 'authorized' } });
    const okAtPrimary = primaryAuthorizedCount(await scrape());
    expect(okAtPrimary).toBeGreaterThanOrEqual(2);

    // Primary is slow and failing; the operator (or the remediator) flips the flag.
    primary.configure({ failureRate: 1 });
    flags.store.set(CARD_PROVIDER_FLAG, { defaultVariant: 'secondary' });
    await vi.waitFor(async () => expect((await authorize()).body.provider).toBe('secondary'), {
      timeout: 5_000,
      interval: 20,
    });
    const fresh = await authorize();
    expect(fresh).toMatchObject({ status: 201, body: { provider: 'secondary' } });

    // The old payment's capture goes to primary (failing: 503, nothing done), then succeeds once it recovers.
    const captureOld = `/api/payments/${String(old.body.paymentId)}/capture`;
    expect((await post(captureOld)).status).toBe(503);
    primary.configure({ failureRate: 0 });
    expect(await post(captureOld)).toMatchObject({
      status: 200,
      body: { status: 'captured', provider: 'primary' },
    });
    expect(await post(`/api/payments/${String(fresh.body.paymentId)}/capture`)).toMatchObject({
      status: 200,
      body: { provider: 'secondary' },
    });
    expect(primary.calls().capture).toBe(2);
    expect(secondary.calls().capture).toBe(1);
    // After the flip no authorization succeeded at primary (those tried before the flag arrived failed).
    expect(primaryAuthorizedCount(await scrape())).toBe(okAtPrimary);

    const metrics = await scrape();
    expect(metrics).toMatch(
      /payment_provider_calls_total\{[^}]*provider="secondary"[^}]*operation="authorize"[^}]*outcome="ok"[^}]*\} \d+/,
    );
    expect(metrics).toMatch(
      /payment_provider_calls_total\{[^}]*provider="primary"[^}]*operation="capture"[^}]*outcome="unavailable"[^}]*\} 1/,
    );

    // Each provider's fault knobs by name.
    const settings = await service.app.inject({ url: '/api/payments/providers' });
    expect(settings.json()).toEqual({
      primary: { latencyMs: 0, failureRate: 0, declineRate: 0 },
      secondary: { latencyMs: 0, failureRate: 0, declineRate: 0 },
    });
    const put = await service.app.inject({
      method: 'PUT',
      url: '/api/payments/providers/secondary',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ latencyMs: 5 }),
    });
    expect(put.json()).toEqual({ latencyMs: 5, failureRate: 0, declineRate: 0 });
    expect(secondary.settings().latencyMs).toBe(5);
    expect((await service.app.inject({ url: '/api/payments/providers/tertiary' })).statusCode).toBe(404);
  });

  it('migrates payments made before failover to primary: their captures reach primary', async () => {
    const database = await createPgliteDatabase<PaymentsTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'payments',
      template,
    });
    opened.push(database);
    const { '0003_payment_provider': added, ...before } = paymentsMigrations;
    expect(added).toBeDefined();
    await database.migrate(before);
    const id = randomUUID();
    await database.db
      .insertInto('payment')
      .values({
        id,
        order_id: randomUUID(),
        amount_minor: 500,
        currency: 'EUR',
        status: 'authorized',
        provider_reference: 'sim_old',
        decline_reason: null,
        created_at: new Date(),
        updated_at: new Date(),
      } as never)
      .execute();
    await database.migrate(paymentsMigrations);
    const oldPrimary = createSimulatedProvider();
    const oldSecondary = createSimulatedProvider();
    const payments = createPayments({
      database,
      provider: oldPrimary,
      providers: { secondary: oldSecondary },
      selectProvider: () => 'secondary',
    });
    expect(await payments.get(id)).toMatchObject({ provider: 'primary' });
    expect(await payments.capture({ idempotencyKey: randomUUID(), paymentId: id })).toMatchObject({
      outcome: 'ok',
      payment: { status: 'captured', provider: 'primary' },
    });
    expect(oldPrimary.calls().capture).toBe(1);
    expect(oldSecondary.calls().capture).toBe(0);
  });
});
