import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { OrdersTables } from '../src/tables.js';
import { describeOrdersGrpc } from './grpc-suite.js';

describeOrdersGrpc('PGlite', {
  open: async () =>
    createPgliteDatabase<OrdersTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'orders',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
