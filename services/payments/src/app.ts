import { randomUUID } from 'node:crypto';
import { OpenFeature } from '@openfeature/server-sdk';
import { z } from 'zod';
import { FAULT_POINTS, type Logger, type ServiceOptions } from '@opsloop/kit';
import { flagsFromEnv } from '@opsloop/flags';
import { rpc } from '@opsloop/contracts';
import { serveRpc } from '@opsloop/rpc';
import { storeConfigSchema, type Database } from '@opsloop/store';
import { paymentsGrpc } from './grpc.js';
import { createPaymentMetrics } from './payment-metrics.js';
import { createPayments, PRIMARY_PROVIDER } from './payments.js';
import { paymentsMigrations } from './migrations.js';
import { createSimulatedProvider, MAX_PROVIDER_LATENCY_MS, type SimulatedProvider } from './provider.js';
import { createProviderCallMetrics, instrumentProvider } from './provider-metrics.js';
import { providerFromFlag } from './provider-selection.js';
import { registerPaymentsRoutes } from './routes.js';
import type { PaymentsTables } from './tables.js';

const rate = (what: string) =>
  z.coerce
    .number({ error: `expected ${what} from 0 to 1` })
    .min(0, `expected ${what} from 0 to 1`)
    .max(1, `expected ${what} from 0 to 1`)
    .default(0);

/** The name of the failover card provider. */
export const SECONDARY_PROVIDER = 'secondary';

/** The fault point of the failover provider's calls (the primary's is the kit's `payment-provider`). */
export const SECONDARY_FAULT_POINT = `${FAULT_POINTS.paymentProvider}:${SECONDARY_PROVIDER}`;

/** The payments' configuration: the store's variables plus the simulated provider's initial settings. */
export const paymentsConfigSchema = storeConfigSchema.extend({
  /** Initial latency of every provider call, in milliseconds (changeable at run time). */
  PROVIDER_LATENCY_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected milliseconds')
    .min(0, 'expected milliseconds')
    .max(MAX_PROVIDER_LATENCY_MS, 'expected at most one minute')
    .default(0),
  /** Initial probability that a provider call fails (transient). */
  PROVIDER_FAILURE_RATE: rate('a failure rate'),
  /** Initial probability that an authorization is declined. */
  PROVIDER_DECLINE_RATE: rate('a decline rate'),
});

/** The payments' settings. */
export type PaymentsConfig = z.infer<typeof paymentsConfigSchema>;

/** Options of {@link paymentsService}. */
export interface PaymentsServiceOptions {
  /** Opens the service's database once config is known; the service migrates and closes it. */
  createDatabase(config: PaymentsConfig, log: Logger): Promise<Database<PaymentsTables>>;
  /** The card provider (a simulated one from the config's settings by default); tests inject one. */
  provider?: SimulatedProvider;
  /**
   * The failover card provider `secondary` (by default a simulated one, healthy, with the config's decline
   * rate and its own fault point `payment-provider:secondary`); tests inject one.
   */
  secondaryProvider?: SimulatedProvider;
  /** The clock of the domain (`Date.now` by default). */
  now?: () => number;
  /** How long a duplicate request waits for the answer of the one in flight (the domain's default: 30 s). */
  waitForAnswerMs?: number;
  env?: Record<string, string | undefined>;
}

/** The payments service definition, ready for `createService` or `runService`. */
export function paymentsService(
  options: PaymentsServiceOptions,
): ServiceOptions<typeof paymentsConfigSchema> {
  return {
    name: 'payments',
    version: '0.1.0',
    configSchema: paymentsConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup(context) {
      const { app, config, log, readiness, metrics, onShutdown } = context;
      const provider =
        options.provider ??
        createSimulatedProvider({
          latencyMs: config.PROVIDER_LATENCY_MS,
          failureRate: config.PROVIDER_FAILURE_RATE,
          declineRate: config.PROVIDER_DECLINE_RATE,
        });
      const secondary =
        options.secondaryProvider ??
        createSimulatedProvider({
          declineRate: config.PROVIDER_DECLINE_RATE,
          faultPoint: SECONDARY_FAULT_POINT,
        });
      const simulated: Record<string, SimulatedProvider> = {
        [PRIMARY_PROVIDER]: provider,
        [SECONDARY_PROVIDER]: secondary,
      };
      const providerMetrics = createProviderCallMetrics(metrics);

      // Feature flags from the runtime (OpenFeature); without OPSLOOP_FLAGS_URL every flag takes its default.
      const flagProvider = flagsFromEnv(options.env ?? process.env, { log });
      const flagDomain = `payments-${randomUUID()}`;
      if (flagProvider !== undefined) {
        // Not awaited: until the first answer, flags evaluate to their defaults (the service starts anyway).
        void OpenFeature.setProviderAndWait(flagDomain, flagProvider).catch((error: unknown) =>
          log.warn({ err: error }, 'feature flags unavailable; using defaults'),
        );
        onShutdown(() => flagProvider.onClose());
      }

      const database = await options.createDatabase(config, log);
      try {
        await database.migrate(paymentsMigrations);
      } catch (error) {
        await database.close();
        throw error;
      }
      onShutdown(() => database.close());
      readiness.register('database', () => database.ping());
      const payments = createPayments({
        database,
        provider: instrumentProvider(PRIMARY_PROVIDER, provider, providerMetrics),
        providers: {
          [SECONDARY_PROVIDER]: instrumentProvider(SECONDARY_PROVIDER, secondary, providerMetrics),
        },
        selectProvider: providerFromFlag({
          flags: OpenFeature.getClient(flagDomain),
          known: Object.keys(simulated),
          log,
        }),
        metrics: createPaymentMetrics(metrics),
        ...(options.now ? { now: options.now } : {}),
        ...(options.waitForAnswerMs === undefined ? {} : { waitForAnswerMs: options.waitForAnswerMs }),
        // Only a name the runtime gives (stable across restarts) identifies a dead predecessor's claims.
        ...(config.OPSLOOP_INSTANCE === undefined ? {} : { instance: config.OPSLOOP_INSTANCE }),
      });
      const released = await payments.releaseClaimsOfDeadPredecessor();
      if (released > 0)
        log.warn(
          { released, instance: config.OPSLOOP_INSTANCE },
          'released idempotency claims left in progress by this replica before its restart',
        );
      registerPaymentsRoutes(app, payments, simulated);
      serveRpc(context, (router) => router.service(rpc.PaymentsService, paymentsGrpc(payments)));
    },
  };
}
