import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { InventoryTables } from '../src/tables.js';
import { describeInventoryDomain } from './domain-suite.js';

describeInventoryDomain('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<InventoryTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'inventory',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
