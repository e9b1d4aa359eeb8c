import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { paymentsService } from './app.js';
import type { PaymentsTables } from './tables.js';

await runService(
  paymentsService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<PaymentsTables>({ ...config, service: 'payments', log }),
  }),
);
