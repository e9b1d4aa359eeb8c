import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { ordersService } from './app.js';
import type { OrdersTables } from './tables.js';

await runService(
  ordersService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<OrdersTables>({ ...config, service: 'orders', log }),
  }),
);
