import { createEventBusFromConfig } from '@opsloop/bus';
import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { createRpcParticipants } from './adapters/rpc-participants.js';
import { checkoutService } from './app.js';
import type { CheckoutTables } from './tables.js';

await runService(
  checkoutService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<CheckoutTables>({ ...config, service: 'checkout', log }),
    createBus: (config, log, registry) =>
      createEventBusFromConfig({ config, name: 'checkout', log, registry }),
    createParticipants: (config, { log, metrics, identity }) =>
      createRpcParticipants({
        config,
        log,
        metrics,
        timeoutMs: config.CHECKOUT_RPC_TIMEOUT_MS,
        ...(identity ? { identity } : {}),
      }),
  }),
);
