import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { OpenFeature } from '@openfeature/server-sdk';
import { flagsFromEnv } from '@opsloop/flags';
import type { EventBus } from '@opsloop/bus';
import type { Clock, IdentitySource, Logger, ServiceMetrics, ServiceOptions } from '@opsloop/kit';
import { systemClock } from '@opsloop/kit';
import { createOutboxRelay } from '@opsloop/outbox';
import type { Database } from '@opsloop/store';
import { createBulkhead } from './bulkhead.js';
import { createCheckout } from './checkout.js';
import { checkoutConfigSchema, RETRY_BACKOFF_MS, type CheckoutConfig } from './config.js';
import { crashAt, noCrash, type CrashHook } from './crash-points.js';
import { paymentTimeoutFromFlag } from './payment-timeout-flag.js';
import { checkoutMigrations } from './migrations.js';
import type { Participants } from './participants.js';
import { createRecoveryLoop } from './recovery.js';
import { registerCheckoutRoutes } from './routes.js';
import { createSagaMetrics } from './saga-metrics.js';
import { createSagaNotifier } from './saga-notifier.js';
import { createSagaRepository } from './saga-repository.js';
import { createSagaRunner } from './saga-runner.js';
import type { CheckoutTables } from './tables.js';

/** The streams checkout publishes to. */
export const CHECKOUT_STREAMS = ['orders', 'payments'] as const;

/** Options of {@link checkoutService}. */
export interface CheckoutServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: CheckoutConfig, log: Logger): Promise<Database<CheckoutTables>>;
  /** Opens the event bus the outbox is published to; the service closes it. */
  /** `registry` is the service's metrics registry (its consumers report their lag on it). */
  createBus(config: CheckoutConfig, log: Logger, registry: ServiceMetrics['registry']): Promise<EventBus>;
  /** The saga's participants (gRPC clients in production); the service closes them. */
  createParticipants(
    config: CheckoutConfig,
    context: { log: Logger; metrics: ServiceMetrics; identity: IdentitySource | undefined },
  ): Participants;
  clock?: Clock;
  /** Overrides the crash hook (tests simulate crashes in-process). */
  crashHook?: CrashHook;
  env?: Record<string, string | undefined>;
}

function crashHookOf(config: CheckoutConfig, log: Logger): CrashHook {
  if (config.CHECKOUT_CRASH_AT === undefined) return noCrash;
  if (config.OPSLOOP_TEST_HOOKS !== '1') {
    log.warn('CHECKOUT_CRASH_AT is ignored without OPSLOOP_TEST_HOOKS=1');
    return noCrash;
  }
  const point = config.CHECKOUT_CRASH_AT;
  log.warn({ crash_at: point }, 'test hook armed: the process kills itself at this crash point');
  // Written synchronously: the process dies on the next line, before any asynchronous log flush.
  return crashAt(point, (sagaId) => {
    writeSync(2, `checkout: test hook: SIGKILL at ${point} (saga ${sagaId})\n`);
  });
}

/** Ensures the streams exist, retrying in the background while the bus is unreachable. */
function ensureStreams(bus: EventBus, log: Logger, clock: Clock, stopped: () => boolean): void {
  const attempt = (delayMs: number) => {
    Promise.all(CHECKOUT_STREAMS.map((stream) => bus.ensureStream(stream))).then(
      () => log.debug({ streams: CHECKOUT_STREAMS }, 'streams ready'),
      (error: unknown) => {
        if (stopped()) return;
        log.warn(
          { err: error, retry_ms: delayMs },
          'cannot create the event streams yet; the outbox keeps the events',
        );
        clock.after(delayMs, () => attempt(Math.min(delayMs * 2, 30_000)));
      },
    );
  };
  attempt(1_000);
}

/** The checkout service definition, ready for `createService` or `runService`. */
export function checkoutService(
  options: CheckoutServiceOptions,
): ServiceOptions<typeof checkoutConfigSchema> {
  const clock = options.clock ?? systemClock;
  return {
    name: 'checkout',
    version: '0.1.0',
    configSchema: checkoutConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup({ app, config, log, readiness, metrics, onShutdown, identity }) {
      const instance = config.OPSLOOP_INSTANCE ?? `checkout-${hostname()}-${process.pid}`;
      const crashHook = options.crashHook ?? crashHookOf(config, log);

      const database = await options.createDatabase(config, log);
      try {
        await database.migrate(checkoutMigrations);
      } catch (error) {
        await database.close();
        throw error;
      }
      onShutdown(() => database.close());
      readiness.register('database', () => database.ping());

      const bus = await options.createBus(config, log, metrics.registry);
      let stopped = false;
      onShutdown(async () => {
        stopped = true;
        await bus.close();
      });
      ensureStreams(bus, log, clock, () => stopped);
      const relay = createOutboxRelay({ database, bus, log, clock });
      relay.start();
      onShutdown(() => relay.stop());

      const participants = options.createParticipants(config, { log, metrics, identity });
      onShutdown(() => participants.close());

      // Feature flags from the runtime (OpenFeature); without OPSLOOP_FLAGS_URL every flag takes its default.
      const flagProvider = flagsFromEnv(options.env ?? process.env, { log });
      const flagDomain = `checkout-${randomUUID()}`;
      if (flagProvider !== undefined) {
        // Not awaited: until the first answer, flags evaluate to their fallbacks (the service starts anyway).
        void OpenFeature.setProviderAndWait(flagDomain, flagProvider).catch((error: unknown) =>
          log.warn({ err: error }, 'feature flags unavailable; using defaults'),
        );
        onShutdown(() => flagProvider.onClose());
      }
      const authorizeTimeoutMs = paymentTimeoutFromFlag({
        flags: OpenFeature.getClient(flagDomain),
        configuredMs: config.CHECKOUT_RPC_TIMEOUT_MS,
        log,
      });

      const repository = createSagaRepository({
        database,
        now: () => clock.now(),
        leaseMs: config.CHECKOUT_LEASE_MS,
        newToken: randomUUID,
      });
      const notifier = createSagaNotifier(clock);
      const runner = createSagaRunner({
        repository,
        participants,
        log,
        clock,
        crashHook,
        policy: {
          attemptsPerRun: config.CHECKOUT_STEP_ATTEMPTS,
          backoffMs: RETRY_BACKOFF_MS,
          maxBackoffMs: config.CHECKOUT_MAX_BACKOFF_MS,
        },
        settings: {
          reservationTtlSeconds: config.CHECKOUT_RESERVATION_TTL_SECONDS,
          expiryMarginMs: Math.min(60_000, (config.CHECKOUT_RESERVATION_TTL_SECONDS * 1000) / 4),
          authorizeTimeoutMs,
        },
        onChange: (saga) => notifier.notify(saga),
        onEvents: () => relay.notify(),
        metrics: createSagaMetrics(metrics),
      });
      // Stopped before the participants and the database close (hooks run in reverse order).
      onShutdown(() => runner.stop());
      const recovery = createRecoveryLoop({
        repository,
        runner,
        log,
        clock,
        instance,
        intervalMs: config.CHECKOUT_RECOVERY_INTERVAL_MS,
        batchSize: config.CHECKOUT_RECOVERY_CONCURRENCY,
        startupTakeover: database.kind === 'pglite' ? 'any' : 'own',
      });
      onShutdown(() => recovery.stop());

      const checkout = createCheckout({
        repository,
        runner,
        cart: participants.cart,
        notifier,
        bulkhead: createBulkhead(config.CHECKOUT_MAX_CONCURRENT, clock),
        log,
        clock,
        instance,
        requestTimeoutMs: config.CHECKOUT_REQUEST_TIMEOUT_MS,
      });
      registerCheckoutRoutes(app, checkout, repository, {
        running: () => runner.running(),
        relay: () => ({ ...relay.stats() }),
      });
      recovery.start();
    },
  };
}
