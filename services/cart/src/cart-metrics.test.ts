import { randomUUID } from 'node:crypto';
import { rpc } from '@opsloop/contracts';
import {
  createManualClock,
  createMetrics,
  createService,
  createStaticResolver,
  type Service,
  type ServiceMetrics,
} from '@opsloop/kit';
import { createRpcClient, type RpcClient } from '@opsloop/rpc';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartService } from './app.js';
import { createCartMetrics } from './cart-metrics.js';
import { createCarts, type Carts } from './carts.js';
import { cartMigrations } from './migrations.js';
import type { ProductInfo } from './product-lookup.js';
import type { CartTables } from './tables.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const CARTS = [
  'carts_created_total',
  'carts_checked_out_total',
  'carts_abandoned_total',
  'carts_emptied_total',
];

/** The four cart counters, in the order of {@link CARTS}. */
async function counts(registry: ServiceMetrics['registry']): Promise<number[]> {
  const all = await registry.getMetricsAsJSON();
  return CARTS.map((name) => all.find((m) => m.name === name)?.values[0]?.value ?? 0);
}

const opened: Database<CartTables>[] = [];
let openDatabase: () => Promise<Database<CartTables>>;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  openDatabase = async () => {
    const database = await createPgliteDatabase<CartTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'cart',
      template,
    });
    opened.push(database);
    return database;
  };
});

afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
});

describe('cart metrics of the carts domain', () => {
  let metrics: ServiceMetrics;
  let carts: Carts;
  let now = START;
  const user = () => `user-${randomUUID()}`;

  beforeAll(async () => {
    const database = await openDatabase();
    await database.migrate(cartMigrations);
    metrics = createMetrics({ service: 'cart', version: 'test', instance: 'c-1', runtimeMetrics: false });
    carts = createCarts({ database, ttlMs: HOUR, now: () => now, metrics: createCartMetrics(metrics) });
  });

  it('follows carts from their first product to checkout, emptying and abandonment', async () => {
    const [buyer, remover, clearer, leaver, returner] = [user(), user(), user(), user(), user()];
    const [a, b] = [randomUUID(), randomUUID()];
    for (const u of [buyer, remover, clearer, leaver, returner]) await carts.setQuantity(u, a, 1);
    await carts.setQuantity(buyer, b, 2); // Not a new cart: it has a line already.
    expect(await counts(metrics.registry)).toEqual([5, 0, 0, 0]);

    const version = (await carts.get(buyer)).version;
    expect((await carts.clear(buyer, version, 'checkout')).outcome).toBe('cleared');
    expect((await carts.clear(buyer, version, 'checkout')).outcome).toBe('already-cleared');
    await carts.removeLine(remover, a);
    await carts.removeLine(remover, a);
    await carts.clear(clearer);
    await carts.clear(clearer);
    expect(await counts(metrics.registry)).toEqual([5, 1, 0, 2]);

    // The leaver's and the returner's carts expire; the returner comes back before the sweeper runs.
    now += HOUR;
    await carts.setQuantity(returner, b, 1);
    expect(await counts(metrics.registry)).toEqual([6, 1, 1, 2]);
    // The sweeper deletes every expired cart but counts only the leaver's (the others have no lines).
    expect(await carts.sweepExpired()).toBeGreaterThanOrEqual(4);
    expect(await carts.sweepExpired()).toBe(0);
    expect(await counts(metrics.registry)).toEqual([6, 1, 2, 2]);

    // After checkout, the next product starts a new cart.
    await carts.setQuantity(buyer, a, 1);
    expect(await counts(metrics.registry)).toEqual([7, 1, 2, 2]);
  });
});

describe('cart metrics of the cart service', () => {
  const clock = createManualClock(START);
  const catalogue = new Map<string, ProductInfo>();
  let service: Service;
  let grpc: RpcClient<typeof rpc.CartService>;

  beforeAll(async () => {
    service = await createService(
      cartService({
        createDatabase: openDatabase,
        // In-process stand-ins of the catalogue and users ports.
        createDependencies: () =>
          Promise.resolve({
            products: { get: (id: string) => Promise.resolve(catalogue.get(id)) },
            loyalty: { get: () => Promise.resolve({ points: 0, discountPercent: 0 }) },
            close: () => Promise.resolve(),
          }),
        clock,
        env: { LOG_LEVEL: 'silent', CART_TTL_SECONDS: '3600', CART_SWEEP_INTERVAL_SECONDS: '60' },
      }),
    );
    const url = await service.listen();
    grpc = createRpcClient(rpc.CartService, {
      target: 'cart',
      resolver: createStaticResolver(new Map([['cart', [{ instance: 'cart-1', url, version: 'test' }]]])),
      timeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    await grpc.close();
    await service.shutdown('test');
  });

  const put = async (userId: string, productId: string) => {
    const res = await service.app.inject({
      method: 'PUT',
      url: `/api/cart/items/${productId}`,
      headers: { 'x-user-id': userId, 'content-type': 'application/json' },
      payload: JSON.stringify({ quantity: 1 }),
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  it('counts checkouts through ClearCart (once, however often it is retried) and abandonment by the sweeper', async () => {
    const productId = randomUUID();
    catalogue.set(productId, { productId, name: 'Teapot', price: { amountMinor: 2500, currency: 'EUR' } });
    const [buyer, leaver] = [`u-${randomUUID()}`, `u-${randomUUID()}`];
    await put(buyer, productId);
    await put(leaver, productId);
    const { version } = await grpc.getCart({ userId: buyer });
    await grpc.clearCart({ userId: buyer, ifVersion: version });
    await grpc.clearCart({ userId: buyer, ifVersion: version });
    expect(await counts(service.metrics.registry)).toEqual([2, 1, 0, 0]);

    clock.advance(HOUR);
    // The sweeper re-arms its timer once a sweep ends: move the clock one interval whenever it waits
    // (bounded), until a sweep sees the expired cart.
    for (let i = 0; i < 250 && (await counts(service.metrics.registry))[2] === 0; i++) {
      if (clock.pending() > 0) clock.advance(60_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await counts(service.metrics.registry)).toEqual([2, 1, 1, 0]);
  });
});
