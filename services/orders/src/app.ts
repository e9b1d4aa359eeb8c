import type { z } from 'zod';
import type { Logger, ServiceOptions } from '@opsloop/kit';
import { rpc } from '@opsloop/contracts';
import { serveRpc } from '@opsloop/rpc';
import { storeConfigSchema, type Database } from '@opsloop/store';
import { ordersGrpc } from './grpc.js';
import { ordersMigrations } from './migrations.js';
import { createOrderMetrics } from './order-metrics.js';
import { createOrders } from './orders.js';
import { registerOrdersRoutes } from './routes.js';
import type { OrdersTables } from './tables.js';

/** The orders service's configuration: the store's variables. */
export const ordersConfigSchema = storeConfigSchema;

/** The orders service's settings. */
export type OrdersConfig = z.infer<typeof ordersConfigSchema>;

/** Options of {@link ordersService}. */
export interface OrdersServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: OrdersConfig, log: Logger): Promise<Database<OrdersTables>>;
  /** The clock of the domain (`Date.now` by default). */
  now?: () => number;
  env?: Record<string, string | undefined>;
}

/** The orders service definition, ready for `createService` or `runService`. */
export function ordersService(options: OrdersServiceOptions): ServiceOptions<typeof ordersConfigSchema> {
  return {
    name: 'orders',
    version: '0.1.0',
    configSchema: ordersConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup(context) {
      const { app, config, log, readiness, metrics, onShutdown } = context;
      const database = await options.createDatabase(config, log);
      try {
        await database.migrate(ordersMigrations);
      } catch (error) {
        await database.close();
        throw error;
      }
      onShutdown(() => database.close());
      readiness.register('database', () => database.ping());
      const orders = createOrders({
        database,
        metrics: createOrderMetrics(metrics),
        ...(options.now ? { now: options.now } : {}),
      });
      registerOrdersRoutes(app, orders);
      serveRpc(context, (router) => router.service(rpc.OrdersService, ordersGrpc(orders)));
    },
  };
}
