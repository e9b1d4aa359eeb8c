import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { PaymentsTables } from '../src/tables.js';
import { describePaymentsGrpc } from './grpc-suite.js';

describePaymentsGrpc('PGlite', {
  open: async () =>
    createPgliteDatabase<PaymentsTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'payments',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
