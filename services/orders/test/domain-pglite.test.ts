import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { OrdersTables } from '../src/tables.js';
import { describeOrdersDomain } from './domain-suite.js';

describeOrdersDomain('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<OrdersTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'orders',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
