import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { PaymentsTables } from '../src/tables.js';
import { describePaymentsDomain } from './domain-suite.js';

describePaymentsDomain('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<PaymentsTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'payments',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
