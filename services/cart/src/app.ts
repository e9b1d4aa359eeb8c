import { rpc } from '@opsloop/contracts';
import {
  systemClock,
  type BaseConfig,
  type Clock,
  type IdentitySource,
  type Logger,
  type ServiceMetrics,
  type ServiceOptions,
} from '@opsloop/kit';
import { serveRpc } from '@opsloop/rpc';
import type { Database } from '@opsloop/store';
import { createCartPricing } from './cart-pricing.js';
import { createCartMetrics } from './cart-metrics.js';
import { createCarts } from './carts.js';
import { cartConfigSchema, type CartConfig } from './config.js';
import type { LoyaltyLookup } from './loyalty-lookup.js';
import { cartMigrations } from './migrations.js';
import { createCachedProductLookup, type ProductLookup } from './product-lookup.js';
import { registerCartRoutes } from './routes.js';
import { createCartRpc } from './rpc.js';
import type { CartTables } from './tables.js';

/** The cart's clients of other services, opened once config is known and closed at shutdown. */
export interface CartDependencies {
  /** The catalogue (uncached: the service adds its short cache). */
  products: ProductLookup;
  /** The users service's loyalty. */
  loyalty: LoyaltyLookup;
  close(): Promise<void>;
}

/** Options of {@link cartService}. */
export interface CartServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: CartConfig, log: Logger): Promise<Database<CartTables>>;
  /** Opens the catalogue and users clients. */
  createDependencies(
    config: CartConfig & BaseConfig,
    context: { log: Logger; metrics: ServiceMetrics; identity: IdentitySource | undefined },
  ): Promise<CartDependencies>;
  /** Time of carts (expiry), the sweeper and the product cache (the system clock by default). */
  clock?: Clock;
  env?: Record<string, string | undefined>;
}

/** The cart service definition, ready for `createService` or `runService`. */
export function cartService(options: CartServiceOptions): ServiceOptions<typeof cartConfigSchema> {
  const clock = options.clock ?? systemClock;
  return {
    name: 'cart',
    version: '0.1.0',
    configSchema: cartConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup(context) {
      const { app, config, log, metrics, readiness, identity } = context;
      // What setup opened, closed in reverse order: at shutdown, or at once if setup fails half-way.
      const cleanups: (() => Promise<void> | void)[] = [];
      const onShutdown = (hook: () => Promise<void> | void) => void cleanups.push(hook);
      try {
        const database = await options.createDatabase(config, log);
        onShutdown(() => database.close());
        await database.migrate(cartMigrations);
        const dependencies = await options.createDependencies(config, { log, metrics, identity });
        onShutdown(() => dependencies.close());

        const carts = createCarts({
          database,
          ttlMs: config.CART_TTL_SECONDS * 1000,
          now: () => clock.now(),
          metrics: createCartMetrics(metrics),
        });
        const products = createCachedProductLookup(dependencies.products, {
          ttlMs: config.CATALOG_CACHE_TTL_MS,
          clock,
        });
        const pricing = createCartPricing({
          products,
          loyalty: dependencies.loyalty,
          currency: config.CART_CURRENCY,
        });
        registerCartRoutes(app, { carts, pricing, products, currency: config.CART_CURRENCY });
        serveRpc(context, (router) => router.service(rpc.CartService, createCartRpc({ carts, pricing })));

        let stopped = false;
        let sweeping: Promise<void> = Promise.resolve();
        const intervalMs = config.CART_SWEEP_INTERVAL_SECONDS * 1000;
        let timer = clock.after(intervalMs, function sweep() {
          sweeping = carts
            .sweepExpired()
            .then(
              (deleted) => {
                if (deleted > 0) log.info({ deleted }, 'expired carts deleted');
              },
              (error: unknown) => log.error({ err: error }, 'cart sweep failed'),
            )
            .finally(() => {
              if (!stopped) timer = clock.after(intervalMs, sweep);
            });
        });
        onShutdown(async () => {
          stopped = true;
          timer.cancel();
          await sweeping;
        });

        // Only the database gates readiness: the catalogue and users are soft dependencies (a cart without
        // them answers 503 or degraded), and failing readiness on them would cascade an outage.
        readiness.register('database', () => database.ping());
      } catch (error) {
        for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
        throw error;
      }
      for (const cleanup of cleanups) context.onShutdown(cleanup);
    },
  };
}
