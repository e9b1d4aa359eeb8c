import { z } from 'zod';
import type { Logger, ServiceOptions } from '@opsloop/kit';
import { rpc } from '@opsloop/contracts';
import { serveRpc } from '@opsloop/rpc';
import { storeConfigSchema, type Database } from '@opsloop/store';
import { inventoryGrpc } from './grpc.js';
import { createInventory } from './inventory.js';
import { inventoryMigrations } from './migrations.js';
import { createReservationMetrics, type ReservationMetrics } from './reservation-metrics.js';
import { registerInventoryRoutes } from './routes.js';
import { DEFAULT_STOCK_SEED, loadStockSeed } from './seed.js';
import { readStockSnapshot } from './stock-snapshot.js';
import type { InventoryTables } from './tables.js';

/** The inventory's configuration: the store's variables plus its own. */
export const inventoryConfigSchema = storeConfigSchema.extend({
  /** How often held reservations past their expiry are released, in milliseconds. */
  RESERVATION_SWEEP_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected milliseconds')
    .min(10, 'expected at least 10 ms')
    .max(3_600_000, 'expected at most one hour')
    .default(5000),
  /** `catalog`: an empty stock table starts with 100 of every product of the shipped catalogue; `none`. */
  INVENTORY_SEED: z.enum(['catalog', 'none']).default('catalog'),
});

/** The inventory's settings. */
export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

/** Sets the stock gauges from the database; a failure keeps the previous values (logged, not thrown). */
async function refreshGauges(
  database: Database<InventoryTables>,
  metrics: ReservationMetrics,
  log: Logger,
): Promise<void> {
  try {
    metrics.snapshot(await readStockSnapshot(database));
  } catch (error) {
    log.warn({ err: error }, 'cannot read the stock figures for the gauges');
  }
}

/** Options of {@link inventoryService}. */
export interface InventoryServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: InventoryConfig, log: Logger): Promise<Database<InventoryTables>>;
  /** The clock of the domain (`Date.now` by default). */
  now?: () => number;
  env?: Record<string, string | undefined>;
}

/** The inventory service definition, ready for `createService` or `runService`. */
export function inventoryService(
  options: InventoryServiceOptions,
): ServiceOptions<typeof inventoryConfigSchema> {
  return {
    name: 'inventory',
    version: '0.1.0',
    configSchema: inventoryConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup(context) {
      const { app, config, log, readiness, metrics, onShutdown } = context;
      const database = await options.createDatabase(config, log);
      const reservationMetrics = createReservationMetrics(metrics);
      const inventory = createInventory({
        database,
        metrics: reservationMetrics,
        ...(options.now ? { now: options.now } : {}),
      });
      try {
        await database.migrate(inventoryMigrations);
        if (config.INVENTORY_SEED === 'catalog') {
          const seeded = await inventory.seedIfEmpty(await loadStockSeed(DEFAULT_STOCK_SEED));
          if (seeded > 0) log.info({ products: seeded }, 'stock seeded from the catalogue');
        }
      } catch (error) {
        await database.close();
        throw error;
      }
      // Hooks run in reverse order: the sweeper stops (and its sweep in flight ends) before the database closes.
      onShutdown(() => database.close());
      readiness.register('database', () => database.ping());
      registerInventoryRoutes(app, inventory);
      serveRpc(context, (router) => router.service(rpc.InventoryService, inventoryGrpc(inventory)));

      let sweeping: Promise<void> | undefined;
      const sweep = () => {
        sweeping ??= inventory
          .expireDue()
          .then(
            (expired) => {
              if (expired > 0) log.info({ expired }, 'expired reservations released');
            },
            (error: unknown) => log.error({ err: error }, 'reservation sweep failed'),
          )
          .then(() => refreshGauges(database, reservationMetrics, log))
          .finally(() => (sweeping = undefined));
      };
      // The gauges start from the database, not from zero, before the first sweep.
      sweeping = refreshGauges(database, reservationMetrics, log).finally(() => (sweeping = undefined));
      const timer = setInterval(sweep, config.RESERVATION_SWEEP_MS);
      timer.unref();
      onShutdown(async () => {
        clearInterval(timer);
        await sweeping;
      });
    },
  };
}
