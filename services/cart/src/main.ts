import { rpc } from '@opsloop/contracts';
import { createResolverFromConfig, runService } from '@opsloop/kit';
import { createRpcClient } from '@opsloop/rpc';
import { createDatabaseFromConfig } from '@opsloop/store';
import { createCatalogProductLookup } from './adapters/catalog-product-lookup.js';
import { createUsersLoyaltyLookup } from './adapters/users-loyalty-lookup.js';
import { cartService } from './app.js';
import type { CartTables } from './tables.js';

await runService(
  cartService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<CartTables>({ ...config, service: 'cart', log }),
    createDependencies: (config, { log, metrics, identity }) => {
      const resolver = createResolverFromConfig(config, log);
      // `identity` (mutual TLS) is the service's own, set when OPSLOOP_TLS_DIR is; the kit closes it.
      const users = createRpcClient(rpc.UsersService, {
        target: 'users',
        resolver,
        log,
        metrics,
        timeoutMs: config.USERS_TIMEOUT_MS,
        identity,
      });
      return Promise.resolve({
        products: createCatalogProductLookup({ resolver, timeoutMs: config.CATALOG_TIMEOUT_MS, log }),
        loyalty: createUsersLoyaltyLookup(users),
        async close() {
          await users.close();
          await resolver.close();
        },
      });
    },
  }),
);
