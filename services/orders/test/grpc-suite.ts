import { randomUUID } from 'node:crypto';
import { rpc } from '@opsloop/contracts';
import { createService } from '@opsloop/kit';
import { Code, createRpcTestServer, rpcErrorOf as errorOf } from '@opsloop/rpc';
import { withoutClose, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersService } from '../src/app.js';
import type { OrdersTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface OrdersGrpcBackend {
  open(): Promise<Database<OrdersTables>>;
  dispose(database: Database<OrdersTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');

/** Fields of a `createOrder` request a test overrides. */
interface CreateOverrides {
  orderId?: string;
  userId?: string;
  lines?: { productId: string; quantity: number; unitPrice?: { amountMinor: bigint; currency: string } }[];
}

const line = (amountMinor = 500, quantity = 2, currency = 'EUR') => ({
  productId: randomUUID(),
  quantity,
  unitPrice: { amountMinor: BigInt(amountMinor), currency },
});

/** The orders' gRPC binding, through a real client over 127.0.0.1, on one database backend. */
export function describeOrdersGrpc(name: string, backend: OrdersGrpcBackend): void {
  describe(`orders gRPC on ${name}`, () => {
    let now = START;
    const server = createRpcTestServer(rpc.OrdersService, {
      target: 'orders',
      open: () => backend.open(),
      create: (database) =>
        createService(
          ordersService({
            createDatabase: () => Promise.resolve(withoutClose(database)),
            now: () => now++,
            env: { LOG_LEVEL: 'silent' },
          }),
        ),
      dispose: (database) => backend.dispose(database),
      client: { timeoutMs: 5000 },
    });
    beforeAll(() => server.start());
    afterAll(() => server.stop());
    const orders = () => server.client();

    const create = (overrides: CreateOverrides = {}) =>
      orders().createOrder({
        orderId: randomUUID(),
        userId: `user-${randomUUID()}`,
        lines: [line(500, 2), line(125, 1)],
        ...overrides,
      });

    it('creates an order and moves it through its states', async () => {
      const orderId = randomUUID();
      const userId = `user-${randomUUID()}`;
      const created = await create({ orderId, userId });
      expect(created).toMatchObject({ orderId, userId, state: rpc.OrderState.PENDING, replayed: false });
      expect(created.total).toMatchObject({ amountMinor: 1125n, currency: 'EUR' });
      expect(created.lines).toHaveLength(2);
      expect(created.createdAtMs).toBeGreaterThanOrEqual(BigInt(START));

      for (const to of [rpc.OrderState.CONFIRMED, rpc.OrderState.PAID, rpc.OrderState.FULFILLED])
        expect((await orders().transition({ orderId, to })).state).toBe(to);
      // Re-applying the current state is a no-op.
      expect((await orders().transition({ orderId, to: rpc.OrderState.FULFILLED })).state).toBe(
        rpc.OrderState.FULFILLED,
      );
      const read = await orders().getOrder({ orderId });
      expect(read).toMatchObject({ orderId, state: rpc.OrderState.FULFILLED, replayed: false });
      expect(read.updatedAtMs).toBeGreaterThan(read.createdAtMs);
    });

    it('replays a creation with the same content', async () => {
      const request = { orderId: randomUUID(), userId: 'u-replay', lines: [line(300, 1)] };
      const first = await orders().createOrder(request);
      const again = await orders().createOrder(request);
      expect(first.replayed).toBe(false);
      expect(again.replayed).toBe(true);
      expect(again.createdAtMs).toBe(first.createdAtMs);
    });

    it('cancels with a reason', async () => {
      const { orderId } = await create();
      const cancelled = await orders().transition({
        orderId,
        to: rpc.OrderState.CANCELLED,
        reason: 'out of stock',
      });
      expect(cancelled.state).toBe(rpc.OrderState.CANCELLED);
    });

    it('lists a user’s orders newest first, page by page', async () => {
      const userId = `user-${randomUUID()}`;
      const a = await create({ userId });
      const b = await create({ userId });
      const first = await orders().listOrders({ userId, limit: 1 });
      expect(first.orders.map((o) => o.orderId)).toEqual([b.orderId]);
      expect(first.nextCursor).not.toBe('');
      const second = await orders().listOrders({ userId, limit: 1, cursor: first.nextCursor });
      expect(second.orders.map((o) => o.orderId)).toEqual([a.orderId]);
      const all = await orders().listOrders({ userId });
      expect(all.orders).toHaveLength(2);
      expect(all.nextCursor).toBe('');
    });

    it('answers INVALID_ARGUMENT naming every bad field, with the REST rules', async () => {
      const bad = await errorOf(
        create({ orderId: 'nope', userId: '', lines: [line(100, 0), line(100, 1, 'USD')] }),
      );
      expect(bad.code).toBe(Code.InvalidArgument);
      expect(bad.rawMessage).toBe(
        'invalid request: order_id: must be an order id (UUID); user_id: must not be empty; ' +
          'lines[0].quantity: must be at least 1; lines[1].unit_price.currency: every line must be in the same currency',
      );
      const noLines = await errorOf(create({ lines: [] }));
      expect(noLines.rawMessage).toBe('invalid request: lines: must have at least one line');
      const noPrice = await errorOf(create({ lines: [{ productId: randomUUID(), quantity: 1 }] }));
      expect(noPrice.rawMessage).toBe(
        'invalid request: lines[0].unit_price: must be { amountMinor, currency }',
      );

      const { orderId } = await create();
      const noReason = await errorOf(orders().transition({ orderId, to: rpc.OrderState.CANCELLED }));
      expect(noReason.rawMessage).toBe('invalid request: reason: is required for cancelled');
      const unspecified = await errorOf(orders().transition({ orderId: 'x' }));
      expect(unspecified.rawMessage).toBe(
        'invalid request: order_id: must be an order id (UUID); to: must be one of confirmed, paid, fulfilled, cancelled, failed',
      );
      const pending = await errorOf(orders().transition({ orderId, to: rpc.OrderState.PENDING }));
      expect(pending.code).toBe(Code.InvalidArgument);

      expect((await errorOf(orders().getOrder({ orderId: '' }))).code).toBe(Code.InvalidArgument);
      expect((await errorOf(orders().listOrders({ userId: '' }))).rawMessage).toBe(
        'invalid request: user_id: must not be empty',
      );
      expect((await errorOf(orders().listOrders({ userId: 'u', limit: 101 }))).rawMessage).toBe(
        'invalid request: limit: must be at most 100',
      );
      expect((await errorOf(orders().listOrders({ userId: 'u', cursor: 'garbage' }))).rawMessage).toBe(
        'invalid request: cursor: must be the nextCursor of a previous page',
      );
    });

    it('answers NOT_FOUND for an unknown order', async () => {
      const id = randomUUID();
      const read = await errorOf(orders().getOrder({ orderId: id }));
      expect(read.code).toBe(Code.NotFound);
      expect(read.rawMessage).toBe(`no order with id ${id}`);
      expect((await errorOf(orders().transition({ orderId: id, to: rpc.OrderState.CONFIRMED }))).code).toBe(
        Code.NotFound,
      );
    });

    it('answers FAILED_PRECONDITION for a reused id and a forbidden transition', async () => {
      const orderId = randomUUID();
      await create({ orderId, userId: 'u-conflict' });
      const reused = await errorOf(create({ orderId, userId: 'u-conflict', lines: [line(1, 1)] }));
      expect(reused.code).toBe(Code.FailedPrecondition);
      expect(reused.rawMessage).toBe(`order ${orderId} already exists with different content`);

      const forbidden = await errorOf(orders().transition({ orderId, to: rpc.OrderState.FULFILLED }));
      expect(forbidden.code).toBe(Code.FailedPrecondition);
      expect(forbidden.rawMessage).toBe(`order ${orderId} is pending and cannot become fulfilled`);
    });
  });
}
