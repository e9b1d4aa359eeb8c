import { randomUUID } from 'node:crypto';
import type { Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_TRANSITIONS,
  createOrders,
  ORDER_STATES,
  TRANSITION_TARGETS,
  type CreateOrderInput,
  type CreateOrderResult,
  type OrderDetail,
  type Orders,
  type TransitionTarget,
} from '../src/orders.js';
import { ordersMigrations } from '../src/migrations.js';
import type { OrderState, OrdersTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface OrdersBackend {
  open(): Promise<Database<OrdersTables>>;
  dispose(database: Database<OrdersTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');

/** A clock that moves one millisecond per reading, so every order has its own creation time. */
function tickingClock(start = START) {
  let now = start;
  return () => now++;
}

const created = (result: CreateOrderResult): OrderDetail => {
  if (result.outcome !== 'created') throw new Error(`expected created, got ${JSON.stringify(result)}`);
  return result.order;
};

/** The path from `pending` to each state, through allowed transitions. */
const PATH: Record<OrderState, TransitionTarget[]> = {
  pending: [],
  confirmed: ['confirmed'],
  paid: ['confirmed', 'paid'],
  fulfilled: ['confirmed', 'paid', 'fulfilled'],
  cancelled: ['cancelled'],
  failed: ['failed'],
};

const reasonFor = (to: TransitionTarget) => (to === 'cancelled' || to === 'failed' ? `why ${to}` : undefined);

/**
 * The orders domain's behaviour on one database backend. Every test works on its own random ids, so the
 * tests share one migrated database.
 */
export function describeOrdersDomain(name: string, backend: OrdersBackend): void {
  describe(`orders domain on ${name}`, () => {
    let database: Database<OrdersTables> | undefined;
    // A failing beforeAll reports tests as skipped; an unreachable backend must fail them instead.
    let setupFailure: Error | undefined;

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(ordersMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    const db = (): Database<OrdersTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    const domain = (): Orders => createOrders({ database: db(), now: tickingClock() });

    const input = (overrides: Partial<CreateOrderInput> = {}): CreateOrderInput => ({
      orderId: randomUUID(),
      userId: `user-${randomUUID()}`,
      lines: [
        { productId: randomUUID(), quantity: 3, unitPrice: { amountMinor: 1999, currency: 'EUR' } },
        { productId: randomUUID(), quantity: 1, unitPrice: { amountMinor: 250, currency: 'EUR' } },
      ],
      ...overrides,
    });

    /** Creates an order and moves it to `state`. */
    async function orderIn(orders: Orders, state: OrderState): Promise<OrderDetail> {
      let order = created(await orders.create(input()));
      for (const to of PATH[state]) {
        const result = await orders.transition(order.orderId, { to, reason: reasonFor(to) });
        if (result.outcome !== 'applied') throw new Error(`could not reach ${state}: ${result.outcome}`);
        order = result.order;
      }
      return order;
    }

    it('creates a pending order with its total in minor units, and get shows it', async () => {
      const orders = domain();
      const request = input();
      const order = created(await orders.create(request));
      expect(order).toMatchObject({
        orderId: request.orderId,
        userId: request.userId,
        state: 'pending',
        lines: request.lines,
        total: { amountMinor: 3 * 1999 + 250, currency: 'EUR' },
        version: 1,
      });
      expect(order.history).toEqual([
        { version: 1, from: null, to: 'pending', reason: null, at: order.createdAt },
      ]);
      expect(await orders.get(request.orderId)).toEqual(order);
      expect(await orders.get(randomUUID())).toBeUndefined();
    });

    it('computes large totals exactly (100 lines × 1000 × 1e9 minor units)', async () => {
      const orders = domain();
      const lines = Array.from({ length: 100 }, () => ({
        productId: randomUUID(),
        quantity: 1000,
        unitPrice: { amountMinor: 1_000_000_000, currency: 'USD' },
      }));
      const order = created(await orders.create(input({ lines })));
      expect(order.total).toEqual({ amountMinor: 100_000_000_000_000, currency: 'USD' });
      expect((await orders.get(order.orderId))?.total.amountMinor).toBe(100_000_000_000_000);
      const free = created(
        await orders.create(
          input({
            lines: [{ productId: randomUUID(), quantity: 2, unitPrice: { amountMinor: 0, currency: 'EUR' } }],
          }),
        ),
      );
      expect(free.total).toEqual({ amountMinor: 0, currency: 'EUR' });
    });

    it('replays the same content and answers conflict for different content', async () => {
      const orders = domain();
      const request = input();
      const order = created(await orders.create(request));
      // Upper-case ids are the same ids.
      const replay = await orders.create({ ...request, orderId: request.orderId.toUpperCase() });
      expect(replay).toEqual({ outcome: 'replayed', order });

      const firstLine = request.lines[0]!;
      const variants: CreateOrderInput[] = [
        { ...request, userId: 'someone-else' },
        { ...request, lines: [{ ...firstLine, quantity: 4 }, ...request.lines.slice(1)] },
        { ...request, lines: [...request.lines].reverse() },
        { ...request, lines: request.lines.slice(0, 1) },
        {
          ...request,
          lines: request.lines.map((line) => ({ ...line, unitPrice: { amountMinor: 1, currency: 'EUR' } })),
        },
      ];
      for (const variant of variants)
        expect(await orders.create(variant)).toEqual({ outcome: 'conflict', order });

      // A replay after a transition shows the order as it is now.
      await orders.transition(order.orderId, { to: 'confirmed' });
      const later = await orders.create(request);
      expect(later.outcome).toBe('replayed');
      expect(later.order.state).toBe('confirmed');
    });

    it('concurrent creates of one id: one creates, the others replay', async () => {
      const orders = domain();
      const request = input();
      const results = await Promise.all(Array.from({ length: 5 }, () => orders.create(request)));
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(4);
    });

    it('rejects invalid input by throwing (callers validate first)', async () => {
      const orders = domain();
      const line = { productId: randomUUID(), quantity: 1, unitPrice: { amountMinor: 1, currency: 'EUR' } };
      const bad: Partial<CreateOrderInput>[] = [
        { orderId: 'nope' },
        { userId: '' },
        { lines: [] },
        { lines: Array.from({ length: 101 }, () => ({ ...line, productId: randomUUID() })) },
        { lines: [{ ...line, quantity: 0 }] },
        { lines: [{ ...line, quantity: -1 }] },
        { lines: [{ ...line, quantity: 1001 }] },
        { lines: [{ ...line, unitPrice: { amountMinor: 1.5, currency: 'EUR' } }] },
        { lines: [{ ...line, unitPrice: { amountMinor: -1, currency: 'EUR' } }] },
        {
          lines: [line, { ...line, productId: randomUUID(), unitPrice: { amountMinor: 1, currency: 'USD' } }],
        },
        { lines: [{ ...line, productId: 'x' }] },
      ];
      for (const overrides of bad)
        await expect(orders.create(input(overrides)), JSON.stringify(overrides)).rejects.toThrow(RangeError);
      const order = created(await orders.create(input()));
      await expect(orders.transition(order.orderId, { to: 'cancelled' })).rejects.toThrow(/reason/);
      await expect(orders.transition(order.orderId, { to: 'pending' as TransitionTarget })).rejects.toThrow(
        /to must be/,
      );
      await expect(orders.listByUser('u', { limit: 0 })).rejects.toThrow(/limit/);
      await expect(orders.listByUser('u', { limit: 10, cursor: 'garbage!' })).rejects.toThrow(/cursor/);
    });

    describe('every transition from every state', () => {
      const cases = ORDER_STATES.flatMap((from) =>
        TRANSITION_TARGETS.map((to) => ({
          from,
          to,
          expected:
            from === to ? 'unchanged' : ALLOWED_TRANSITIONS[from].includes(to) ? 'applied' : 'conflict',
        })),
      );

      it('covers the whole table', () => {
        expect(cases).toHaveLength(30);
        expect(cases.filter((c) => c.expected === 'applied')).toHaveLength(7);
      });

      it.each(cases)('$from → $to: $expected', async ({ from, to, expected }) => {
        const orders = domain();
        const before = await orderIn(orders, from);
        const reason = reasonFor(to);
        const result = await orders.transition(before.orderId, { to, reason });
        expect(result.outcome).toBe(expected);
        if (result.outcome === 'not-found') throw new Error('not found');
        const after = await orders.get(before.orderId);
        expect(after).toEqual(result.order);
        if (expected === 'applied') {
          expect(after?.state).toBe(to);
          expect(after?.version).toBe(before.version + 1);
          expect(after?.history).toHaveLength(before.history.length + 1);
          expect(after?.history.at(-1)).toMatchObject({
            version: before.version + 1,
            from,
            to,
            reason: reason ?? null,
          });
          // Idempotent: applying the same target again changes nothing.
          const again = await orders.transition(before.orderId, { to, reason });
          expect(again).toEqual({ outcome: 'unchanged', order: after });
        } else {
          expect(after).toEqual(before);
        }
      });
    });

    it('an unknown order is not-found', async () => {
      expect(await domain().transition(randomUUID(), { to: 'confirmed' })).toEqual({ outcome: 'not-found' });
    });

    it('records the history in order, with reasons and times', async () => {
      const orders = domain();
      const order = await orderIn(orders, 'fulfilled');
      expect(order.history.map((h) => [h.version, h.from, h.to])).toEqual([
        [1, null, 'pending'],
        [2, 'pending', 'confirmed'],
        [3, 'confirmed', 'paid'],
        [4, 'paid', 'fulfilled'],
      ]);
      const times = order.history.map((h) => h.at.getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(order.updatedAt).toEqual(order.history.at(-1)?.at);

      const failed = await orderIn(orders, 'confirmed');
      const result = await orders.transition(failed.orderId, { to: 'failed', reason: 'payment declined' });
      expect(result.outcome).toBe('applied');
      expect((await orders.get(failed.orderId))?.history.at(-1)).toMatchObject({
        from: 'confirmed',
        to: 'failed',
        reason: 'payment declined',
      });
    });

    it('10 concurrent transitions to paid or cancelled: exactly one applies', async () => {
      const orders = domain();
      for (let round = 0; round < 2; round++) {
        const order = await orderIn(orders, 'confirmed');
        const targets: TransitionTarget[] = Array.from({ length: 10 }, (_, i) =>
          i % 2 ? 'paid' : 'cancelled',
        );
        const results = await Promise.all(
          targets.map((to) => orders.transition(order.orderId, { to, reason: reasonFor(to) })),
        );
        const applied = results.filter((r) => r.outcome === 'applied');
        expect(applied).toHaveLength(1);
        const after = await orders.get(order.orderId);
        if (after === undefined) throw new Error('gone');
        const winner = after.state;
        expect(['paid', 'cancelled']).toContain(winner);
        results.forEach((result, i) => {
          const to = targets[i];
          if (result.outcome === 'applied') expect(to).toBe(winner);
          // The losers re-read: same target → unchanged, the other one → conflict (nothing between them).
          else expect(result.outcome).toBe(to === winner ? 'unchanged' : 'conflict');
        });
        expect(after.version).toBe(3);
        expect(after.history.map((h) => [h.version, h.from, h.to])).toEqual([
          [1, null, 'pending'],
          [2, 'pending', 'confirmed'],
          [3, 'confirmed', winner],
        ]);
      }
    });

    it('lists a user’s orders newest first, each once across pages', async () => {
      const orders = domain();
      const userId = `user-${randomUUID()}`;
      const ids: string[] = [];
      for (let i = 0; i < 13; i++) ids.push(created(await orders.create(input({ userId }))).orderId);
      await orders.create(input()); // another user's

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await orders.listByUser(userId, { limit: 5, cursor });
        pages++;
        expect(page.orders.length).toBeLessThanOrEqual(5);
        for (const order of page.orders) {
          expect(order.userId).toBe(userId);
          expect(order.lines).toHaveLength(2);
          seen.push(order.orderId);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());

      expect(await orders.listByUser(`user-${randomUUID()}`, { limit: 10 })).toEqual({
        orders: [],
        nextCursor: null,
      });
      const exact = await orders.listByUser(userId, { limit: 13 });
      expect(exact.orders).toHaveLength(13);
      expect(exact.nextCursor).toBeNull();
    });

    it('breaks creation-time ties by id', async () => {
      const orders = createOrders({ database: db(), now: () => START });
      const userId = `user-${randomUUID()}`;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push(created(await orders.create(input({ userId }))).orderId);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await orders.listByUser(userId, { limit: 3, cursor });
        seen.push(...page.orders.map((o) => o.orderId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual([...ids].sort().reverse());
    });
  });
}
