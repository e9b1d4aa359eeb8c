import { randomUUID } from 'node:crypto';
import { createMetrics, createService, type Service, type ServiceMetrics } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersService } from './app.js';
import { ordersMigrations } from './migrations.js';
import { createOrderMetrics } from './order-metrics.js';
import { createOrders, type CreateOrderInput } from './orders.js';
import type { OrdersTables } from './tables.js';

const START = Date.parse('2030-01-01T00:00:00Z');

/** `orders_total` by status (absent statuses left out). */
async function byStatus(registry: ServiceMetrics['registry']): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'orders_total');
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.status), v.value]));
}

const newOrder = (): CreateOrderInput => ({
  orderId: randomUUID(),
  userId: `user-${randomUUID()}`,
  lines: [{ productId: randomUUID(), quantity: 2, unitPrice: { amountMinor: 1500, currency: 'EUR' } }],
});

const opened: Database<OrdersTables>[] = [];
let openDatabase: () => Promise<Database<OrdersTables>>;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  openDatabase = async () => {
    const database = await createPgliteDatabase<OrdersTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'orders',
      template,
    });
    opened.push(database);
    return database;
  };
});

afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
});

describe('orders_total over HTTP', () => {
  let service: Service;
  let now = START;

  beforeAll(async () => {
    service = await createService(
      ordersService({ createDatabase: openDatabase, now: () => now++, env: { LOG_LEVEL: 'silent' } }),
    );
  });

  afterAll(async () => {
    await service.shutdown('test');
  });

  const post = async (url: string, body: unknown) =>
    (
      await service.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      })
    ).statusCode;

  it('counts a creation and each transition once; replays, repeats and refusals count nothing', async () => {
    const order = newOrder();
    expect(await post('/api/orders', order)).toBe(201);
    expect(await post('/api/orders', order)).toBe(200);
    const move = (to: string, reason?: string) =>
      post(`/api/orders/${order.orderId}/transitions`, { to, ...(reason ? { reason } : {}) });
    expect(await move('confirmed')).toBe(200);
    expect(await move('confirmed')).toBe(200);
    expect(await move('paid')).toBe(200);
    expect(await move('cancelled', 'too late')).toBe(409);
    const other = newOrder();
    await post('/api/orders', other);
    expect(await post(`/api/orders/${other.orderId}/transitions`, { to: 'cancelled', reason: 'r' })).toBe(
      200,
    );

    expect(await byStatus(service.metrics.registry)).toEqual({
      pending: 2,
      confirmed: 1,
      paid: 1,
      cancelled: 1,
    });
  });
});

describe('orders_total across replicas', () => {
  it('counts a transition raced by two replicas once, in the replica that committed it', async () => {
    const database = await openDatabase();
    await database.migrate(ordersMigrations);
    const replica = (instance: string) => {
      const metrics = createMetrics({ service: 'orders', version: 'test', instance, runtimeMetrics: false });
      return { metrics, orders: createOrders({ database, metrics: createOrderMetrics(metrics) }) };
    };
    const [a, b] = [replica('orders-a'), replica('orders-b')];
    const order = newOrder();
    // The saga retries a creation against another replica: one creates, the other replays.
    const created = await Promise.all([a.orders.create(order), b.orders.create(order)]);
    expect(created.map((r) => r.outcome).sort()).toEqual(['created', 'replayed']);
    const moved = await Promise.all([
      a.orders.transition(order.orderId, { to: 'confirmed' }),
      b.orders.transition(order.orderId, { to: 'confirmed' }),
      a.orders.transition(order.orderId, { to: 'confirmed' }),
    ]);
    expect(moved.filter((r) => r.outcome === 'applied')).toHaveLength(1);

    const [ca, cb] = [await byStatus(a.metrics.registry), await byStatus(b.metrics.registry)];
    expect((ca.pending ?? 0) + (cb.pending ?? 0)).toBe(1);
    expect((ca.confirmed ?? 0) + (cb.confirmed ?? 0)).toBe(1);
  });
});
