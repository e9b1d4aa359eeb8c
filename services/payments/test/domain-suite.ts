import { randomUUID } from 'node:crypto';
import type { Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayments, type Payment, type PaymentResult } from '../src/payments.js';
import { paymentsMigrations } from '../src/migrations.js';
import {
  createSeededRandom,
  createSimulatedProvider,
  ProviderUnavailableError,
  type SimulatedProviderOptions,
} from '../src/provider.js';
import type { PaymentsTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface PaymentsBackend {
  open(): Promise<Database<PaymentsTables>>;
  dispose(database: Database<PaymentsTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');
const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

const ok = (result: PaymentResult): Payment => {
  if (result.outcome !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.payment;
};

/**
 * The payments domain's behaviour on one database backend. Every test uses its own random keys and order
 * ids, so the tests share one migrated database.
 */
export function describePaymentsDomain(name: string, backend: PaymentsBackend): void {
  describe(`payments domain on ${name}`, () => {
    let database: Database<PaymentsTables> | undefined;
    // A failing beforeAll reports tests as skipped; an unreachable backend must fail them instead.
    let setupFailure: Error | undefined;

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(paymentsMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    const db = (): Database<PaymentsTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    function setUp(providerOptions: SimulatedProviderOptions = {}) {
      let now = START;
      const provider = createSimulatedProvider({ random: createSeededRandom(42), ...providerOptions });
      const payments = createPayments({ database: db(), provider, now: () => now });
      return {
        provider,
        payments,
        advance: (ms: number) => (now += ms),
        key: () => `key-${randomUUID()}`,
      };
    }

    const paymentRows = (orderId: string) =>
      db().db.selectFrom('payment').selectAll().where('order_id', '=', orderId).execute();
    const keyRow = (key: string) =>
      db().db.selectFrom('idempotency').selectAll().where('key', '=', key).executeTakeFirst();

    it('walks the state machine: authorized → captured → refunded, authorized → voided', async () => {
      const { payments, key } = setUp();
      const orderId = randomUUID();
      const authorized = ok(await payments.authorize({ idempotencyKey: key(), orderId, amount: EUR(1999) }));
      expect(authorized).toMatchObject({
        orderId,
        amount: EUR(1999),
        status: 'authorized',
        declineReason: null,
      });
      expect(await payments.get(authorized.paymentId)).toEqual(authorized);

      const paymentId = authorized.paymentId;
      expect(ok(await payments.capture({ idempotencyKey: key(), paymentId })).status).toBe('captured');
      expect(ok(await payments.refund({ idempotencyKey: key(), paymentId })).status).toBe('refunded');
      expect((await payments.get(paymentId))?.status).toBe('refunded');

      const other = ok(await payments.authorize({ idempotencyKey: key(), orderId, amount: EUR(5) }));
      expect(ok(await payments.void({ idempotencyKey: key(), paymentId: other.paymentId })).status).toBe(
        'voided',
      );
    });

    it('refuses invalid transitions with a conflict result, stores nothing for them', async () => {
      const { payments, provider, key } = setUp();
      const { paymentId } = ok(
        await payments.authorize({ idempotencyKey: key(), orderId: randomUUID(), amount: EUR(100) }),
      );
      const refundKey = key();
      const refused = await payments.refund({ idempotencyKey: refundKey, paymentId });
      expect(refused).toMatchObject({ outcome: 'conflict', reason: 'invalid-transition' });
      expect(await keyRow(refundKey)).toBeUndefined();

      ok(await payments.void({ idempotencyKey: key(), paymentId }));
      expect(await payments.capture({ idempotencyKey: key(), paymentId })).toMatchObject({
        outcome: 'conflict',
        reason: 'invalid-transition',
        payment: { status: 'voided' },
      });
      expect(await payments.void({ idempotencyKey: key(), paymentId })).toMatchObject({
        outcome: 'conflict',
      });
      expect(await payments.refund({ idempotencyKey: key(), paymentId })).toMatchObject({
        outcome: 'conflict',
      });
      // Refused transitions never reach the provider.
      expect(provider.calls()).toEqual({ authorize: 1, capture: 0, void: 1, refund: 0 });

      expect(await payments.capture({ idempotencyKey: key(), paymentId: randomUUID() })).toEqual({
        outcome: 'not-found',
      });
      expect(await payments.get(randomUUID())).toBeUndefined();
    });

    it('a declined authorization is stored, terminal, and replayed', async () => {
      const { payments, provider, key } = setUp({ declineRate: 1 });
      const orderId = randomUUID();
      const k = key();
      const first = await payments.authorize({ idempotencyKey: k, orderId, amount: EUR(700) });
      const declined = ok(first);
      expect(declined).toMatchObject({ status: 'declined', declineReason: 'card declined' });
      expect(first).toMatchObject({ replayed: false });

      const again = await payments.authorize({ idempotencyKey: k, orderId, amount: EUR(700) });
      expect(again).toEqual({ outcome: 'ok', payment: declined, replayed: true });
      expect(provider.calls().authorize).toBe(1);
      expect(await paymentRows(orderId)).toHaveLength(1);

      for (const action of ['capture', 'void', 'refund'] as const)
        expect(
          await payments[action]({ idempotencyKey: key(), paymentId: declined.paymentId }),
        ).toMatchObject({
          outcome: 'conflict',
          reason: 'invalid-transition',
        });
    });

    it('replays the identical answer without calling the provider again', async () => {
      const { payments, provider, key, advance } = setUp();
      const orderId = randomUUID();
      const k = key();
      const request = { idempotencyKey: k, orderId, amount: EUR(4200) };
      const first = ok(await payments.authorize(request));
      advance(60_000);

      const captureKey = key();
      const captured = ok(await payments.capture({ idempotencyKey: captureKey, paymentId: first.paymentId }));
      advance(60_000);
      // The authorization's stored answer is the payment as it was then, not as it is now.
      expect(await payments.authorize(request)).toEqual({ outcome: 'ok', payment: first, replayed: true });
      expect(await payments.capture({ idempotencyKey: captureKey, paymentId: first.paymentId })).toEqual({
        outcome: 'ok',
        payment: captured,
        replayed: true,
      });
      expect(provider.calls()).toEqual({ authorize: 1, capture: 1, void: 0, refund: 0 });
      expect(await paymentRows(orderId)).toHaveLength(1);
      expect(await keyRow(k)).toMatchObject({
        state: 'done',
        payment_id: first.paymentId,
        operation: 'authorize',
      });
    });

    it('the same key with a different request is a conflict, and changes nothing', async () => {
      const { payments, provider, key } = setUp();
      const orderId = randomUUID();
      const k = key();
      const first = ok(await payments.authorize({ idempotencyKey: k, orderId, amount: EUR(100) }));
      for (const different of [
        { idempotencyKey: k, orderId, amount: EUR(101) },
        { idempotencyKey: k, orderId, amount: { amountMinor: 100, currency: 'USD' } },
        { idempotencyKey: k, orderId: randomUUID(), amount: EUR(100) },
      ])
        expect(await payments.authorize(different)).toMatchObject({
          outcome: 'conflict',
          reason: 'idempotency-key-reused',
        });
      // Another operation under the same key is a different request too.
      expect(await payments.capture({ idempotencyKey: k, paymentId: first.paymentId })).toMatchObject({
        outcome: 'conflict',
        reason: 'idempotency-key-reused',
      });
      expect(provider.calls()).toEqual({ authorize: 1, capture: 0, void: 0, refund: 0 });
      expect((await payments.get(first.paymentId))?.status).toBe('authorized');
      // The order id is compared case-insensitively (it is a UUID): this is the same request.
      expect(
        await payments.authorize({ idempotencyKey: k, orderId: orderId.toUpperCase(), amount: EUR(100) }),
      ).toMatchObject({ outcome: 'ok', replayed: true });
    });

    it('5 concurrent identical authorizations charge once: one provider call, one row, five answers', async () => {
      const { payments, provider, key } = setUp({ latencyMs: 100 });
      const orderId = randomUUID();
      const request = { idempotencyKey: key(), orderId, amount: EUR(2500) };
      const results = await Promise.all(Array.from({ length: 5 }, () => payments.authorize(request)));
      const answers = results.map(ok);
      expect(provider.calls().authorize).toBe(1);
      expect(await paymentRows(orderId)).toHaveLength(1);
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(results.filter((result) => result.outcome === 'ok' && !result.replayed)).toHaveLength(1);
    });

    it('5 concurrent identical captures call the provider once', async () => {
      const { payments, provider, key } = setUp();
      const { paymentId } = ok(
        await payments.authorize({ idempotencyKey: key(), orderId: randomUUID(), amount: EUR(10) }),
      );
      provider.configure({ latencyMs: 50 });
      const request = { idempotencyKey: key(), paymentId };
      const answers = (await Promise.all(Array.from({ length: 5 }, () => payments.capture(request)))).map(ok);
      expect(provider.calls().capture).toBe(1);
      expect(answers[0]?.status).toBe('captured');
      for (const answer of answers) expect(answer).toEqual(answers[0]);
    });

    it('a provider failure stores nothing; a retry with the same key succeeds', async () => {
      const { payments, provider, key } = setUp({ failureRate: 1 });
      const orderId = randomUUID();
      const request = { idempotencyKey: key(), orderId, amount: EUR(300) };
      await expect(payments.authorize(request)).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(await paymentRows(orderId)).toHaveLength(0);
      expect(await keyRow(request.idempotencyKey)).toBeUndefined();

      provider.configure({ failureRate: 0 });
      const retried = await payments.authorize(request);
      expect(retried).toMatchObject({ outcome: 'ok', replayed: false, payment: { status: 'authorized' } });
      const { paymentId } = ok(retried);

      // The same holds for the later steps: the payment stays as it was.
      provider.configure({ failureRate: 1 });
      const captureKey = key();
      await expect(payments.capture({ idempotencyKey: captureKey, paymentId })).rejects.toBeInstanceOf(
        ProviderUnavailableError,
      );
      expect((await payments.get(paymentId))?.status).toBe('authorized');
      expect(await keyRow(captureKey)).toBeUndefined();
      provider.configure({ failureRate: 0 });
      expect(ok(await payments.capture({ idempotencyKey: captureKey, paymentId })).status).toBe('captured');
      expect(await paymentRows(orderId)).toHaveLength(1);
    });

    it('a duplicate that waits past its bound gets an in-progress conflict', async () => {
      const provider = createSimulatedProvider({ latencyMs: 300 });
      const payments = createPayments({ database: db(), provider, waitForAnswerMs: 50 });
      const request = { idempotencyKey: `key-${randomUUID()}`, orderId: randomUUID(), amount: EUR(1) };
      const first = payments.authorize(request);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await payments.authorize(request)).toMatchObject({
        outcome: 'conflict',
        reason: 'idempotency-key-in-progress',
      });
      expect(ok(await first).status).toBe('authorized');
      expect(provider.calls().authorize).toBe(1);
    });

    it('a replica restarted under the same name releases the claims its predecessor left in progress', async () => {
      const name = `payments-${randomUUID()}`;
      const hangingOn = (instance: string) => {
        let answer: (() => void) | undefined;
        const payments = createPayments({
          database: db(),
          instance,
          provider: {
            ...createSimulatedProvider(),
            authorize: () =>
              new Promise((resolve) => {
                answer = () => resolve({ outcome: 'authorized', reference: 'late' });
              }),
          },
        });
        return { payments, answered: () => answer };
      };
      const mine = { idempotencyKey: `key-${randomUUID()}`, orderId: randomUUID(), amount: EUR(5) };
      const theirs = { idempotencyKey: `key-${randomUUID()}`, orderId: randomUUID(), amount: EUR(6) };
      // The predecessor and another live replica each hang in a provider call with a claim held.
      const predecessor = hangingOn(name);
      const other = hangingOn(`payments-${randomUUID()}`);
      const late = predecessor.payments.authorize(mine);
      const otherCall = other.payments.authorize(theirs);
      while (predecessor.answered() === undefined || other.answered() === undefined)
        await new Promise((resolve) => setTimeout(resolve, 5));

      const provider = createSimulatedProvider();
      const restarted = createPayments({ database: db(), provider, instance: name });
      expect(await restarted.releaseClaimsOfDeadPredecessor()).toBe(1);
      expect(await keyRow(mine.idempotencyKey)).toBeUndefined();
      expect(await keyRow(theirs.idempotencyKey)).toMatchObject({ state: 'in-progress' });
      // Without a name, nothing is released.
      expect(await createPayments({ database: db(), provider }).releaseClaimsOfDeadPredecessor()).toBe(0);

      // The saga's retry goes through at once, and the provider sees the same key again.
      const retried = ok(await restarted.authorize(mine));
      expect(retried.status).toBe('authorized');
      expect(provider.calls().authorize).toBe(1);
      predecessor.answered()?.();
      await expect(late).rejects.toThrow(/claim .* was lost/);
      expect(await paymentRows(mine.orderId)).toHaveLength(1);
      other.answered()?.();
      expect(ok(await otherCall).status).toBe('authorized');
    });

    it('a claim left by a dead process is taken over once stale; the late answer is discarded', async () => {
      const { payments, provider, advance } = setUp();
      const request = { idempotencyKey: `key-${randomUUID()}`, orderId: randomUUID(), amount: EUR(9) };
      // A process claims the key, then hangs in the provider call (as if it had died).
      let answerLate: (() => void) | undefined;
      const hanging = createPayments({
        database: db(),
        provider: {
          ...createSimulatedProvider(),
          authorize: () =>
            new Promise((resolve) => {
              answerLate = () => resolve({ outcome: 'authorized', reference: 'late' });
            }),
        },
        now: () => START,
      });
      const late = hanging.authorize(request);
      while (answerLate === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await keyRow(request.idempotencyKey)).toMatchObject({ state: 'in-progress' });

      advance(121_000);
      const taken = ok(await payments.authorize(request));
      expect(taken.status).toBe('authorized');
      expect(provider.calls().authorize).toBe(1);

      // The hung process wakes up: its claim is gone, so its payment and answer are rolled back.
      answerLate();
      await expect(late).rejects.toThrow(/claim .* was lost/);
      expect(await paymentRows(request.orderId)).toHaveLength(1);
      expect(await payments.authorize(request)).toEqual({ outcome: 'ok', payment: taken, replayed: true });
    });

    it('fails over: new authorizations go to the selected provider, later operations to the one that authorized', async () => {
      let selected = 'primary';
      const primary = createSimulatedProvider({ random: createSeededRandom(1) });
      const secondary = createSimulatedProvider({ random: createSeededRandom(2) });
      const payments = createPayments({
        database: db(),
        provider: primary,
        providers: { secondary },
        selectProvider: () => selected,
        now: () => START,
      });
      const key = () => `key-${randomUUID()}`;
      const orderId = randomUUID();
      const oldKey = key();
      const old = ok(await payments.authorize({ idempotencyKey: oldKey, orderId, amount: EUR(100) }));
      expect(old.provider).toBe('primary');

      selected = 'secondary';
      const fresh = ok(await payments.authorize({ idempotencyKey: key(), orderId, amount: EUR(200) }));
      expect(fresh.provider).toBe('secondary');
      // A replay is the stored payment, primary's, without asking any provider again.
      expect(await payments.authorize({ idempotencyKey: oldKey, orderId, amount: EUR(100) })).toEqual({
        outcome: 'ok',
        payment: old,
        replayed: true,
      });
      // The capture of the old payment still reaches primary; the new one's goes to secondary.
      expect(ok(await payments.capture({ idempotencyKey: key(), paymentId: old.paymentId }))).toMatchObject({
        status: 'captured',
        provider: 'primary',
      });
      ok(await payments.capture({ idempotencyKey: key(), paymentId: fresh.paymentId }));
      selected = 'primary';
      ok(await payments.refund({ idempotencyKey: key(), paymentId: fresh.paymentId }));
      expect(primary.calls()).toEqual({ authorize: 1, capture: 1, void: 0, refund: 0 });
      expect(secondary.calls()).toEqual({ authorize: 1, capture: 1, void: 0, refund: 1 });

      // Primary down: the authorization fails (nothing happened, the key is free); the retry with the same
      // key after the switch goes to secondary, once.
      primary.configure({ failureRate: 1 });
      const retryKey = key();
      const retryOrder = randomUUID();
      await expect(
        payments.authorize({ idempotencyKey: retryKey, orderId: retryOrder, amount: EUR(300) }),
      ).rejects.toBeInstanceOf(ProviderUnavailableError);
      selected = 'secondary';
      const retried = ok(
        await payments.authorize({ idempotencyKey: retryKey, orderId: retryOrder, amount: EUR(300) }),
      );
      expect(retried.provider).toBe('secondary');
      ok(await payments.void({ idempotencyKey: key(), paymentId: retried.paymentId }));
      expect(secondary.calls()).toEqual({ authorize: 2, capture: 1, void: 1, refund: 1 });
      expect(await paymentRows(retryOrder)).toMatchObject([{ provider: 'secondary', status: 'voided' }]);
      expect(await payments.get(old.paymentId)).toMatchObject({ provider: 'primary', status: 'captured' });

      // A selection naming no provider is a programming error: nothing is stored, the key stays free.
      selected = 'tertiary';
      const badKey = key();
      await expect(
        payments.authorize({ idempotencyKey: badKey, orderId: randomUUID(), amount: EUR(1) }),
      ).rejects.toThrow(/no card provider named "tertiary"/);
      expect(await keyRow(badKey)).toBeUndefined();
    });

    it('accepts only integer minor units, valid currencies, UUIDs and 1-255 printable ASCII keys', async () => {
      const { payments, provider, key } = setUp();
      const orderId = randomUUID();
      for (const amount of [
        EUR(12.5),
        EUR(0),
        EUR(-1),
        EUR(Number.NaN),
        EUR(1e12),
        { amountMinor: 1, currency: 'eur' },
        { amountMinor: 1, currency: 'EURO' },
      ])
        await expect(payments.authorize({ idempotencyKey: key(), orderId, amount })).rejects.toThrow(
          /amountMinor|currency/,
        );
      await expect(
        payments.authorize({ idempotencyKey: key(), orderId: 'nope', amount: EUR(1) }),
      ).rejects.toThrow(/orderId/);
      for (const idempotencyKey of ['', 'x'.repeat(256), 'tab\there', 'é'])
        await expect(payments.authorize({ idempotencyKey, orderId, amount: EUR(1) })).rejects.toThrow(
          /idempotencyKey/,
        );
      ok(await payments.authorize({ idempotencyKey: '~'.repeat(255), orderId, amount: EUR(1) }));
      expect(provider.calls().authorize).toBe(1);
    });
  });
}
