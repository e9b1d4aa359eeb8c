import { randomUUID } from 'node:crypto';
import { createMetrics, createService, type Service, type ServiceMetrics } from '@opsloop/kit';
import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryService } from './app.js';
import { createInventory, type Inventory } from './inventory.js';
import { inventoryMigrations } from './migrations.js';
import { createReservationMetrics } from './reservation-metrics.js';
import { readStockSnapshot } from './stock-snapshot.js';
import type { InventoryTables } from './tables.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const MINUTE = 60_000;

/** The value of the series of `name` whose labels include `labels` (0 when absent). */
async function value(
  registry: ServiceMetrics['registry'],
  name: string,
  labels: Record<string, string> = {},
) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const series = metric?.values.find((v) =>
    Object.entries(labels).every(([label, wanted]) => v.labels[label] === wanted),
  );
  return series?.value ?? 0;
}

const opened: Database<InventoryTables>[] = [];
let openDatabase: () => Promise<Database<InventoryTables>>;

beforeAll(async () => {
  const template = await createPgliteTemplate();
  openDatabase = async () => {
    const database = await createPgliteDatabase<InventoryTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'inventory',
      template,
    });
    opened.push(database);
    return database;
  };
});

afterAll(async () => {
  await Promise.all(opened.map((database) => database.close()));
});

describe('reservation metrics of the inventory domain', () => {
  let database: Database<InventoryTables>;
  let metrics: ServiceMetrics;
  let inventory: Inventory;
  let now = START;
  const count = (operation: string, outcome: string) =>
    value(metrics.registry, 'stock_reservations_total', { operation, outcome });
  const line = (productId: string, quantity: number) => [{ productId, quantity }];

  beforeAll(async () => {
    database = await openDatabase();
    await database.migrate(inventoryMigrations);
    metrics = createMetrics({
      service: 'inventory',
      version: 'test',
      instance: 'i-1',
      runtimeMetrics: false,
    });
    inventory = createInventory({ database, now: () => now, metrics: createReservationMetrics(metrics) });
  });

  it('counts each reservation change once; retries count as duplicate', async () => {
    const p = randomUUID();
    await inventory.setStock(p, 5);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    expect((await inventory.reserve({ reservationId: a, lines: line(p, 2), ttlMs: MINUTE })).outcome).toBe(
      'held',
    );
    expect((await inventory.reserve({ reservationId: a, lines: line(p, 2), ttlMs: MINUTE })).outcome).toBe(
      'replayed',
    );
    expect((await inventory.reserve({ reservationId: a, lines: line(p, 1), ttlMs: MINUTE })).outcome).toBe(
      'conflict',
    );
    expect((await inventory.reserve({ reservationId: b, lines: line(p, 9), ttlMs: MINUTE })).outcome).toBe(
      'out-of-stock',
    );
    await inventory.reserve({ reservationId: b, lines: line(p, 1), ttlMs: MINUTE });
    await inventory.commit(a);
    await inventory.commit(a);
    await inventory.release(b);
    await inventory.release(b);
    await inventory.release(a);
    await inventory.commit(c);

    expect(await count('reserve', 'reserved')).toBe(2);
    expect(await count('reserve', 'duplicate')).toBe(1);
    expect(await count('reserve', 'conflict')).toBe(1);
    expect(await count('reserve', 'rejected_insufficient')).toBe(1);
    expect([await count('commit', 'committed'), await count('commit', 'duplicate')]).toEqual([1, 1]);
    expect([await count('release', 'released'), await count('release', 'duplicate')]).toEqual([1, 1]);
    expect([await count('release', 'not_held'), await count('commit', 'not_found')]).toEqual([1, 1]);
  });

  it('counts expiry by the sweeper and by a late commit, and the snapshot shows what is held', async () => {
    const p = randomUUID();
    await inventory.setStock(p, 4);
    const [late, swept, kept] = [randomUUID(), randomUUID(), randomUUID()];
    await inventory.reserve({ reservationId: late, lines: line(p, 1), ttlMs: MINUTE });
    await inventory.reserve({ reservationId: swept, lines: line(p, 1), ttlMs: MINUTE });
    await inventory.reserve({ reservationId: kept, lines: line(p, 2), ttlMs: 10 * MINUTE });
    const held = await readStockSnapshot(database);

    now += 2 * MINUTE;
    expect((await inventory.commit(late)).outcome).toBe('not-held');
    expect(await inventory.expireDue()).toBe(1);
    expect(await inventory.commit(late)).toMatchObject({ outcome: 'not-held' });
    expect(await count('commit', 'expired')).toBe(1);
    expect(await count('commit', 'not_held')).toBe(1);
    expect(await count('expire', 'expired')).toBe(1);

    const after = await readStockSnapshot(database);
    expect(held.activeReservations - after.activeReservations).toBe(2);
    expect(held.reservedUnits - after.reservedUnits).toBe(2);
    createReservationMetrics(metrics).snapshot(after);
    expect(await value(metrics.registry, 'stock_reservations_active')).toBe(after.activeReservations);
    expect(await value(metrics.registry, 'stock_reserved_units')).toBe(after.reservedUnits);

    const before = after.productsUnavailable;
    await inventory.reserve({ reservationId: randomUUID(), lines: line(p, 2), ttlMs: MINUTE });
    expect((await readStockSnapshot(database)).productsUnavailable).toBe(before + 1);
  });
});

describe('reservation metrics of the inventory service', () => {
  let service: Service;
  let now = START;

  beforeAll(async () => {
    service = await createService(
      inventoryService({
        createDatabase: openDatabase,
        now: () => now,
        env: { LOG_LEVEL: 'silent', INVENTORY_SEED: 'none', RESERVATION_SWEEP_MS: '20' },
      }),
    );
  });

  afterAll(async () => {
    await service.shutdown('test');
  });

  const send = async (method: 'PUT' | 'POST', url: string, body?: unknown) =>
    (
      await service.app.inject({
        method,
        url,
        ...(body === undefined
          ? {}
          : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      })
    ).statusCode;
  const metric = (name: string, labels: Record<string, string> = {}) =>
    value(service.metrics.registry, name, labels);
  /** Bounded wait for the sweeper (every 20 ms) to refresh a gauge. */
  async function eventually(name: string, wanted: number) {
    for (let attempt = 0; attempt < 250 && (await metric(name)) !== wanted; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await metric(name)).toBe(wanted);
  }

  it('counts the HTTP reservations and refreshes the gauges after each sweep', async () => {
    const p = randomUUID();
    expect(await send('PUT', `/api/inventory/${p}`, { onHand: 3 })).toBe(200);
    const id = randomUUID();
    const body = { reservationId: id, lines: [{ productId: p, quantity: 3 }], ttlSeconds: 60 };
    expect(await send('POST', '/api/inventory/reservations', body)).toBe(201);
    expect(await send('POST', '/api/inventory/reservations', body)).toBe(200);
    expect(await metric('stock_reservations_total', { operation: 'reserve', outcome: 'reserved' })).toBe(1);
    expect(await metric('stock_reservations_total', { operation: 'reserve', outcome: 'duplicate' })).toBe(1);
    await eventually('stock_reservations_active', 1);
    await eventually('stock_products_unavailable', 1);

    now += 2 * MINUTE;
    await eventually('stock_reservations_active', 0);
    expect(await metric('stock_reservations_total', { operation: 'expire', outcome: 'expired' })).toBe(1);
    expect(await metric('stock_reserved_units')).toBe(0);
    expect(await metric('stock_reservations_active', { service: 'inventory' })).toBe(0);
  });
});
