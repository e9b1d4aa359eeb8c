import { createPgliteDatabase, createPgliteTemplate, PGLITE_MEMORY } from '@opsloop/store';
import type { NotificationsTables } from '../src/tables.js';
import { describeNotificationsPipeline } from './pipeline-suite.js';

describeNotificationsPipeline('PGlite', {
  // One initdb per file (~4 s) is avoided by cloning a template (~1 s).
  open: async () =>
    createPgliteDatabase<NotificationsTables>({
      dataDir: PGLITE_MEMORY,
      schema: 'notifications',
      template: await createPgliteTemplate(),
    }),
  dispose: (database) => database.close(),
});
