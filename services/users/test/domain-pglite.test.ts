import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { UsersTables } from '../src/tables.js';
import { describeUsersDomain } from './domain-suite.js';

describeUsersDomain('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<UsersTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'users',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
