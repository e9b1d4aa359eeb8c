import { createTestTracing } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CRASH_POINTS, type CrashPoint } from '../src/crash-points.js';
import { checkoutMigrations } from '../src/migrations.js';
import type { SagaStep } from '../src/saga-machine.js';
import { LeaseLostError } from '../src/saga-repository.js';
import type { CheckoutTables } from '../src/tables.js';
import { addProduct, createFakeShop, type FakeShop } from './fake-participants.js';
import {
  expectConsistent,
  insertSaga,
  shiftedClock,
  startProcess,
  type ShiftedClock,
} from './saga-harness.js';

/** How the suite gets its database. */
export interface SagaSuiteOptions {
  open(): Promise<Database<CheckoutTables>>;
  dispose(database: Database<CheckoutTables>): Promise<void>;
  /** The start-up takeover the service uses on this database (`any` on PGlite, `own` on PostgreSQL). */
  takeover: 'any' | 'own';
}

/** The runner, recovery and crash-safety suite, run on every database adapter. */
export function describeSagaRunner(name: string, options: SagaSuiteOptions): void {
  describe(name, () => {
    let database: Database<CheckoutTables>;
    let shop: FakeShop;
    let clock: ShiftedClock;
    const takeover = options.takeover;

    beforeAll(async () => {
      database = await options.open();
      await database.migrate(checkoutMigrations);
    });

    afterAll(async () => {
      await options.dispose(database);
    });

    beforeEach(() => {
      clock = shiftedClock();
      shop = createFakeShop(() => clock.now());
    });

    async function outboxOf(orderId: string) {
      return database.db
        .selectFrom('outbox')
        .select(['stream', 'type', 'key', 'data'])
        .where('key', '=', orderId)
        .orderBy('seq')
        .execute();
    }

    describe('the saga runner', () => {
      it('completes a checkout: paid order, committed stock, one capture, order.placed.v1 in the outbox', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 10, 1250);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 2 }]);
        expect(await process.runner.run(saga, lease)).toBe('finished');
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({ state: 'completed', step: 'complete', leaseOwner: null, attempts: 0 });
        expect(done?.answer).toMatchObject({
          status: 201,
          body: { checkoutId: saga.id, state: 'completed', total: { amountMinor: 2500, currency: 'EUR' } },
        });
        expectConsistent(shop, done!);
        expect(shop.stock.get(product)).toEqual({ onHand: 8, reserved: 0 });
        const events = await outboxOf(saga.orderId);
        expect(events.map((e) => [e.stream, e.type])).toEqual([['orders', 'order.placed.v1']]);
        expect(events[0]?.data).toMatchObject({
          orderId: saga.orderId,
          paymentId: done?.paymentId,
          total: { amountMinor: 2500 },
        });
        const steps = await process.repository.steps(saga.id);
        expect(steps.map((s) => s.step)).toEqual([
          'reserve',
          'create-order',
          'authorize',
          'confirm-order',
          'capture',
          'commit-reservation',
          'mark-paid',
          'complete',
        ]);
        expect(steps.every((s) => s.outcome === 'done' && s.instance === process.instance)).toBe(true);
      });

      it('clears the cart of a cart checkout at the version it read', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 10);
        const userId = 'cart-user';
        shop.carts.set(userId, { lines: [{ productId: product, quantity: 1 }], version: 7 });
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }], {
          source: 'cart',
          userId,
          cartVersion: 7,
        });
        expect(await process.runner.run(saga, lease)).toBe('finished');
        expect(shop.carts.get(userId)).toEqual({ lines: [], version: 8 });
      });

      it('compensates out of stock without touching anything, and answers 409 with the shortages', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 1);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 3 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'reserve', reason: 'out-of-stock' },
        });
        expect(done?.answer?.status).toBe(409);
        expect(done?.answer?.body).toMatchObject({
          type: 'https://opsloop.dev/problems/out-of-stock',
          shortages: [{ productId: product, requested: 3, available: 1 }],
        });
        expect(shop.calls.get('orders.create')).toBeUndefined();
        expect(shop.calls.get('payments.authorize')).toBeUndefined();
        const events = await outboxOf(saga.orderId);
        expect(events.map((e) => e.type)).toEqual(['order.cancelled.v1']);
        expect(events[0]?.data).toMatchObject({ reason: 'out-of-stock' });
      });

      it('compensates a decline: stock released, order cancelled, order.cancelled.v1 and payment.failed.v1', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        shop.declineAuthorizations(true);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 2 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'authorize', reason: 'payment-declined' },
        });
        expect(done?.answer).toMatchObject({ status: 402, body: { declineReason: 'insufficient-funds' } });
        expectConsistent(shop, done!);
        expect(shop.stock.get(product)).toEqual({ onHand: 5, reserved: 0 });
        expect(shop.orders.get(saga.orderId)?.state).toBe('cancelled');
        expect(shop.calls.get('payments.void')).toBeUndefined();
        const events = await outboxOf(saga.orderId);
        expect(events.map((e) => [e.stream, e.type])).toEqual([
          ['orders', 'order.cancelled.v1'],
          ['payments', 'payment.failed.v1'],
        ]);
      });

      it('gives up on a participant that stays unavailable before the pivot and compensates (503 answer)', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        shop.fail('payments.authorize', 'unavailable', 3);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'authorize', reason: 'unavailable' },
        });
        expect(done?.answer?.status).toBe(503);
        expect(done?.lastError).toMatch(/payments\.authorize: UNAVAILABLE/);
        // The authorization's fate was unknown: the void step asked again with the same key, then voided it.
        expectConsistent(shop, done!);
        expect(shop.effects.authorizations).toBe(1);
        expect(shop.effects.voids).toBe(1);
        expect(shop.stock.get(product)).toEqual({ onHand: 5, reserved: 0 });
      });

      it('survives a payment deadline set too short (the flag): the unseen authorization is voided, nothing charged', async () => {
        const process = startProcess({
          database,
          shop,
          clock,
          takeover,
          authorizeTimeoutMs: () => Promise.resolve(5),
        });
        const product = addProduct(shop, 5);
        // Authorizations take longer than 5 ms: each happens (once, by its key) but its answer comes too late.
        shop.setAuthorizeTime(50);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        expect(await process.runner.run(saga, lease)).toBe('finished');
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'authorize', reason: 'unavailable' },
        });
        expect(done?.lastError).toMatch(/DEADLINE_EXCEEDED/);
        expectConsistent(shop, done!);
        // Three forward attempts under the flag's deadline; the void step's replay of the key under the
        // configured one (undefined), which learns the payment id so that the payment is voided.
        expect(shop.authorizeDeadlines).toEqual([5, 5, 5, undefined]);
        expect(shop.effects).toEqual({ authorizations: 1, voids: 1, captures: 0, refunds: 0 });
        expect(shop.stock.get(product)).toEqual({ onHand: 5, reserved: 0 });
      });

      it('parks a step after the pivot while its participant is down, and the recovery loop finishes it', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        shop.fail('inventory.commit', 'unavailable');
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        expect(await process.runner.run(saga, lease)).toBe('parked');
        const parked = await process.repository.get(saga.id);
        expect(parked).toMatchObject({
          state: 'running',
          step: 'commit-reservation',
          attempts: 3,
          leaseOwner: null,
        });
        expect(parked?.answer).toBeNull();
        // Still down: a scan runs it again (the policy's back-off is 0 here) and parks it again.
        expect(await process.recovery.scan()).toBe(1);
        await process.recovery.idle();
        expect((await process.repository.get(saga.id))?.attempts).toBe(6);
        shop.clearFailures();
        expect(await process.recovery.scan()).toBe(1);
        await process.recovery.idle();
        const done = await process.repository.get(saga.id);
        expect(done?.state).toBe('completed');
        expectConsistent(shop, done!);
        expect(shop.effects.captures).toBe(1);
      });

      it('survives answers lost after the effect at every step: each effect happens once', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        for (const operation of [
          'inventory.reserve',
          'orders.create',
          'payments.authorize',
          'orders.transition',
          'payments.capture',
          'inventory.commit',
        ] as const)
          shop.fail(operation, 'lost-answer', 1);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 2 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done?.state).toBe('completed');
        expectConsistent(shop, done!);
        expect(shop.effects).toMatchObject({ authorizations: 1, captures: 1 });
        expect(shop.stock.get(product)).toEqual({ onHand: 3, reserved: 0 });
      });

      it('compensates a refused capture with a void', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        shop.refuseCaptures(true);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'capture', reason: 'payment-error' },
        });
        expect(done?.answer?.status).toBe(402);
        expectConsistent(shop, done!);
      });

      it('refunds and cancels when the reservation expired before the commit (after the capture)', async () => {
        const process = startProcess({ database, shop, clock, takeover });
        const product = addProduct(shop, 5);
        shop.expireOnCommit(true);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'commit-reservation', reason: 'reservation-expired' },
        });
        expect(done?.answer?.status).toBe(503);
        expectConsistent(shop, done!);
        expect(shop.effects).toMatchObject({ captures: 1, refunds: 1 });
        expect(shop.stock.get(product)).toEqual({ onHand: 5, reserved: 0 });
      });

      it('does not capture when the reservation is about to expire: it voids instead', async () => {
        const process = startProcess({ database, shop, clock, takeover, ttlSeconds: 1 });
        const product = addProduct(shop, 5);
        const { saga, lease } = await insertSaga(process, shop, [{ productId: product, quantity: 1 }]);
        await process.runner.run(saga, lease);
        const done = await process.repository.get(saga.id);
        // A TTL of 1 s is within the 1 s margin: the saga gives up before the pivot.
        expect(done).toMatchObject({
          state: 'compensated',
          failure: { step: 'capture', reason: 'reservation-expired' },
        });
        expect(shop.effects.captures).toBe(0);
        expectConsistent(shop, done!);
      });
    });

    describe('leases', () => {
      it('never lets two runners run one saga: the claim skips leased sagas, and a stale lease cannot write', async () => {
        const a = startProcess({ database, shop, clock, takeover, leaseMs: 5_000 });
        const b = startProcess({ database, shop, clock, takeover, leaseMs: 5_000 });
        const product = addProduct(shop, 5);
        const { saga, lease } = await insertSaga(a, shop, [{ productId: product, quantity: 1 }]);
        // b sees nothing due while a holds the lease (b started before the saga was written: no takeover).
        clock.shift(1);
        const bLate = startProcess({ database, shop, clock, takeover, leaseMs: 5_000, instance: b.instance });
        const claimable = (await bLate.repository.claimDue({ owner: b.instance, limit: 10 })).map(
          (c) => c.saga.id,
        );
        expect(claimable).not.toContain(saga.id);
        clock.shift(6_000);
        const claimed = await bLate.repository.claimDue({ owner: b.instance, limit: 100 });
        expect(claimed.map((c) => c.saga.id)).toContain(saga.id);
        await expect(
          a.repository.update(
            saga.id,
            lease,
            { lease: 'renew' },
            { step: 'reserve', outcome: 'done', attempt: 1, error: null, durationMs: 0 },
          ),
        ).rejects.toBeInstanceOf(LeaseLostError);
        expect(await a.runner.run(saga, lease)).toBe('lease-lost');
        for (const c of claimed) await bLate.runner.run(c.saga, c.lease);
        expect((await a.repository.get(saga.id))?.state).toBe('completed');
        expect(shop.effects.captures).toBe(1);
      });

      it('hands each due saga to one claimer only, however many claim at once (for update skip locked)', async () => {
        const owner = startProcess({ database, shop, clock, takeover, leaseMs: 1_000 });
        const product = addProduct(shop, 100);
        const ids = new Set<string>();
        for (let i = 0; i < 12; i++)
          ids.add((await insertSaga(owner, shop, [{ productId: product, quantity: 1 }])).saga.id);
        clock.shift(2_000); // every lease has run out
        const claimers = Array.from({ length: 4 }, () =>
          startProcess({ database, shop, clock, takeover, leaseMs: 60_000 }),
        );
        const claims = await Promise.all(
          claimers.map((claimer) => claimer.repository.claimDue({ owner: claimer.instance, limit: 5 })),
        );
        const claimed = claims
          .flat()
          .map((c) => c.saga.id)
          .filter((id) => ids.has(id));
        expect(new Set(claimed).size).toBe(claimed.length);
        expect(claimed.length).toBe(12);
        // Claimed, they are leased: nobody gets them again until the leases run out.
        expect(
          (await claimers[0]!.repository.claimDue({ owner: 'late', limit: 50 })).filter((c) =>
            ids.has(c.saga.id),
          ),
        ).toEqual([]);
        for (const [i, claimer] of claimers.entries())
          for (const { saga, lease } of claims[i]!) await claimer.runner.run(saga, lease);
        for (const id of ids) expect((await owner.repository.get(id))?.state).toBe('completed');
      });

      it('resumes a crashed saga in the trace of the checkout that started it', async () => {
        const tracing = createTestTracing('checkout');
        try {
          const traceId = '0af7651916cd43dd8448eb211c80319c';
          const requestSpanId = 'b7ad6b7169203331';
          const dead = startProcess({ database, shop, clock, takeover, crashAt: 'after:authorize' });
          const product = addProduct(shop, 5);
          const { saga, lease } = await insertSaga(dead, shop, [{ productId: product, quantity: 1 }], {
            traceparent: `00-${traceId}-${requestSpanId}-01`,
          });
          expect((await dead.repository.get(saga.id))?.traceparent).toBe(`00-${traceId}-${requestSpanId}-01`);
          await dead.runner.run(saga, lease);
          clock.shift(1);
          const restarted = startProcess({ database, shop, clock, takeover, instance: dead.instance });
          await restarted.recovery.scan();
          await restarted.recovery.idle();
          const resumed = tracing
            .spansNamed('checkout saga resume')
            .filter((span) => span.attributes['saga.id'] === saga.id);
          expect(resumed).toHaveLength(1);
          expect(resumed[0]?.spanContext().traceId).toBe(traceId);
          expect(resumed[0]?.parentSpanContext?.spanId).toBe(requestSpanId);
          expect(resumed[0]?.attributes['saga.run_result']).toBe('finished');
          expect((await restarted.repository.get(saga.id))?.state).toBe('completed');
        } finally {
          await tracing.shutdown();
        }
      });

      it('takes over at start-up the sagas of a dead process without waiting for their leases', async () => {
        const dead = startProcess({ database, shop, clock, takeover, crashAt: 'after:authorize' });
        const product = addProduct(shop, 5);
        const { saga, lease } = await insertSaga(dead, shop, [{ productId: product, quantity: 1 }]);
        await dead.runner.run(saga, lease);
        expect((await dead.repository.get(saga.id))?.leaseOwner).toBe(dead.instance);
        clock.shift(1);
        const restarted = startProcess({ database, shop, clock, takeover, instance: dead.instance });
        expect(await restarted.recovery.scan()).toBeGreaterThanOrEqual(1);
        await restarted.recovery.idle();
        expect((await restarted.repository.get(saga.id))?.state).toBe('completed');
      });
    });

    /** A scenario that makes a saga reach `step`. */
    function scenarioFor(step: SagaStep): {
      setup: (shop: FakeShop) => void;
      source: 'cart' | 'lines';
      expected: string;
    } {
      switch (step) {
        case 'void-payment':
          return { setup: (s) => s.refuseCaptures(true), source: 'lines', expected: 'compensated' };
        case 'refund-payment':
          return { setup: (s) => s.expireOnCommit(true), source: 'lines', expected: 'compensated' };
        case 'release-reservation':
        case 'cancel-order':
        case 'compensate':
          return { setup: (s) => s.declineAuthorizations(true), source: 'lines', expected: 'compensated' };
        default:
          return { setup: () => {}, source: 'cart', expected: 'completed' };
      }
    }

    describe('crash safety', () => {
      it.each(CRASH_POINTS.map((point) => [point]))(
        'a crash at %s is resumed or compensated by the next process, every effect once',
        async (point: CrashPoint) => {
          const step = point.slice(point.indexOf(':') + 1) as SagaStep;
          const scenario = scenarioFor(step);
          scenario.setup(shop);
          const product = addProduct(shop, 5);
          const userId = `crash-${point}`;
          shop.carts.set(userId, { lines: [{ productId: product, quantity: 2 }], version: 3 });
          const first = startProcess({ database, shop, clock, takeover, crashAt: point });
          const { saga, lease } = await insertSaga(first, shop, [{ productId: product, quantity: 2 }], {
            source: scenario.source,
            userId,
            cartVersion: 3,
          });
          await first.runner.run(saga, lease);
          expect(first.reached, 'the scenario reaches the crash point').toContain(point);
          const crashed = await first.repository.get(saga.id);
          expect(crashed?.leaseOwner, 'the dead process still holds the lease').toBe(first.instance);

          clock.shift(1);
          const second = startProcess({ database, shop, clock, takeover, instance: first.instance });
          await second.recovery.scan();
          await second.recovery.idle();
          const done = await second.repository.get(saga.id);
          expect(done?.state).toBe(scenario.expected);
          expectConsistent(shop, done!);
          expect(shop.effects.captures).toBeLessThanOrEqual(1);
          expect(shop.effects.authorizations).toBeLessThanOrEqual(1);
          expect(shop.stock.get(product)?.reserved).toBe(0);
          expect(shop.stock.get(product)?.onHand).toBe(done?.state === 'completed' ? 3 : 5);
          // Each event exactly once, whatever was redone.
          const types = (await outboxOf(saga.orderId)).map((e) => e.type);
          if (done?.state === 'completed') expect(types).toEqual(['order.placed.v1']);
          else expect(types.filter((t) => t === 'order.cancelled.v1')).toHaveLength(1);
          if (done?.state === 'completed') expect(shop.carts.get(userId)?.lines).toEqual([]);
        },
      );
    });
  });
}
