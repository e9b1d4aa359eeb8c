import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { CheckoutTables } from '../src/tables.js';
import { describeSagaRunner } from './saga-runner-suite.js';

describeSagaRunner('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template.
  open: async () =>
    createPgliteDatabase<CheckoutTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'checkout',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
  takeover: 'any',
});
