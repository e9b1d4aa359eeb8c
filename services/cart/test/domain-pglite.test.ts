import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { CartTables } from '../src/tables.js';
import { describeCartsDomain } from './domain-suite.js';

describeCartsDomain('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<CartTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'cart',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
