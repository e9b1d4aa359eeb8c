import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { InventoryTables } from '../src/tables.js';
import { describeInventoryGrpc } from './grpc-suite.js';

describeInventoryGrpc('PGlite', {
  open: async () =>
    createPgliteDatabase<InventoryTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'inventory',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
