import type { EventBus } from '@opsloop/bus';
import { systemClock, type Clock, type Logger, type ServiceMetrics, type ServiceOptions } from '@opsloop/kit';
import { rpc } from '@opsloop/contracts';
import { createOutboxRelay } from '@opsloop/outbox';
import { serveRpc } from '@opsloop/rpc';
import type { Database } from '@opsloop/store';
import { usersConfigSchema, type UsersConfig } from './config.js';
import { createLoyaltyHandler, LOYALTY_CONSUMER, ORDERS_STREAM } from './loyalty.js';
import { usersMigrations } from './migrations.js';
import { createPasswordHasher, type ScryptParams } from './password.js';
import { registerUsersRoutes } from './routes.js';
import { createUsersRpc } from './rpc.js';
import { createSigningKeys } from './signing-keys.js';
import type { UsersTables } from './tables.js';
import { createTokenIssuer } from './tokens.js';
import { createUsers, USERS_STREAM } from './users.js';

/** How often the signing keys are checked for rotation and pruning. */
export const KEY_MAINTENANCE_INTERVAL_MS = 10 * 60_000;
/** Clock skew allowed between the users service and the token verifiers. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

/** Options of {@link usersService}. */
export interface UsersServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: UsersConfig, log: Logger): Promise<Database<UsersTables>>;
  /** Opens the event bus once config is known; the service closes it. */
  /** `registry` is the service's metrics registry (its consumers report their lag on it). */
  createBus(config: UsersConfig, log: Logger, registry: ServiceMetrics['registry']): Promise<EventBus>;
  /** Time of the domain and of the key maintenance (the system clock by default). */
  clock?: Clock;
  /** scrypt parameters of new hashes instead of `PASSWORD_SCRYPT_LOG_N` (tests use cheap ones). */
  scrypt?: ScryptParams;
  env?: Record<string, string | undefined>;
}

/** The users service definition, ready for `createService` or `runService`. */
export function usersService(options: UsersServiceOptions): ServiceOptions<typeof usersConfigSchema> {
  const clock = options.clock ?? systemClock;
  return {
    name: 'users',
    version: '0.1.0',
    configSchema: usersConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup(context) {
      const { app, config, log, readiness, metrics } = context;
      // What setup opened, closed in reverse order: at shutdown, or at once if setup fails half-way.
      const cleanups: (() => Promise<void> | void)[] = [];
      const onShutdown = (hook: () => Promise<void> | void) => void cleanups.push(hook);
      try {
        const database = await options.createDatabase(config, log);
        onShutdown(() => database.close());
        await database.migrate(usersMigrations);
        const bus = await options.createBus(config, log, metrics.registry);
        onShutdown(() => bus.close());
        await bus.ensureStream(USERS_STREAM);
        await bus.ensureStream(ORDERS_STREAM);

        const keys = createSigningKeys({
          database,
          clock,
          retentionMs: config.ACCESS_TOKEN_TTL_SECONDS * 1000 + CLOCK_SKEW_ALLOWANCE_MS,
          rotateAfterMs: config.SIGNING_KEY_ROTATE_AFTER_SECONDS * 1000,
          publishLeadMs: config.JWKS_PUBLISH_LEAD_SECONDS * 1000,
        });
        const first = await keys.maintain();
        if (first.created !== undefined)
          log.info({ kid: first.created }, 'first access-token signing key created');

        const hasher = createPasswordHasher(
          options.scrypt ?? { logN: config.PASSWORD_SCRYPT_LOG_N, r: 8, p: 1 },
        );
        // Computes the decoy hash now, so the first failed login costs what every other one does.
        await hasher.verifyNothing('');

        const relay = createOutboxRelay({ database, bus, log });
        relay.start();
        onShutdown(() => relay.stop());

        const users = createUsers({
          database,
          hasher,
          now: () => clock.now(),
          onEnqueued: () => relay.notify(),
        });
        const tokens = createTokenIssuer({ keys, clock, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
        registerUsersRoutes(app, { users, tokens, keys });
        serveRpc(context, (router) => router.service(rpc.UsersService, createUsersRpc(database)));

        const subscription = await bus.subscribe({
          stream: ORDERS_STREAM,
          group: LOYALTY_CONSUMER,
          handler: createLoyaltyHandler({ database, log }),
        });
        onShutdown(() => subscription.stop());

        let stopped = false;
        let maintaining: Promise<void> = Promise.resolve();
        let timer = clock.after(KEY_MAINTENANCE_INTERVAL_MS, function maintain() {
          maintaining = keys
            .maintain()
            .then(
              (result) => {
                if (result.rotated !== undefined)
                  log.info({ kid: result.rotated }, 'signing key rotation started');
                if (result.pruned.length > 0)
                  log.info({ kids: result.pruned }, 'retired signing keys deleted');
              },
              (error: unknown) => log.error({ err: error }, 'signing key maintenance failed'),
            )
            .finally(() => {
              if (!stopped) timer = clock.after(KEY_MAINTENANCE_INTERVAL_MS, maintain);
            });
        });
        onShutdown(async () => {
          stopped = true;
          timer.cancel();
          await maintaining;
        });

        readiness.register('database', () => database.ping());
      } catch (error) {
        for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
        throw error;
      }
      for (const cleanup of cleanups) context.onShutdown(cleanup);
    },
  };
}
