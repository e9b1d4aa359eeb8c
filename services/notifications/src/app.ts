import type { EventBus } from '@opsloop/bus';
import type { Clock, Logger, ServiceMetrics, ServiceOptions } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { mailSinkDirOf, notificationsConfigSchema, type NotificationsConfig } from './config.js';
import { notificationsMigrations } from './migrations.js';
import { createNotificationQueries } from './notifications.js';
import { startNotificationPipeline } from './pipeline.js';
import { registerNotificationsRoutes } from './routes.js';
import type { NotificationsTables } from './tables.js';

/** Options of {@link notificationsService}. */
export interface NotificationsServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: NotificationsConfig, log: Logger): Promise<Database<NotificationsTables>>;
  /** Opens the event bus client; the service closes it. */
  /** `registry` is the service's metrics registry (its consumers report their lag on it). */
  createBus(
    config: NotificationsConfig,
    log: Logger,
    registry: ServiceMetrics['registry'],
  ): Promise<EventBus>;
  /** Mail timestamps and the deliverer's polls (the system clock by default). */
  clock?: Clock;
  env?: Record<string, string | undefined>;
}

/** The notifications service definition, ready for `createService` or `runService`. */
export function notificationsService(
  options: NotificationsServiceOptions,
): ServiceOptions<typeof notificationsConfigSchema> {
  return {
    name: 'notifications',
    version: '0.1.0',
    configSchema: notificationsConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup({ app, config, log, readiness, metrics, onShutdown }) {
      const database = await options.createDatabase(config, log);
      let bus: EventBus | undefined;
      try {
        await database.migrate(notificationsMigrations);
        bus = await options.createBus(config, log, metrics.registry);
        const openBus = bus;
        const pipeline = await startNotificationPipeline({
          database,
          bus: openBus,
          sinkDir: mailSinkDirOf(config),
          from: config.MAIL_FROM,
          log,
          maxDeliver: config.NOTIFICATIONS_MAX_DELIVER,
          backoffMs: config.NOTIFICATIONS_RETRY_BACKOFF_MS,
          pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
          ...(options.clock ? { clock: options.clock } : {}),
        });
        // Hooks run in reverse order: the pipeline stops (handlers and the pass in flight end), then the bus
        // closes, then the database.
        onShutdown(() => database.close());
        onShutdown(() => openBus.close());
        onShutdown(() => pipeline.stop());
        readiness.register('database', () => database.ping());
        registerNotificationsRoutes(app, createNotificationQueries(database), () => pipeline.stats());
      } catch (error) {
        await bus?.close().catch(() => {});
        await database.close();
        throw error;
      }
    },
  };
}
