import { createThrowawayPostgresDatabase, dropThrowawayPostgresDatabase } from '@opsloop/store';
import { describe } from 'vitest';
import type { CheckoutTables } from '../src/tables.js';
import { describeSagaRunner } from './saga-runner-suite.js';

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test. When it is set, an
// unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('PostgreSQL', () => {
  describeSagaRunner('PostgreSQL', {
    // A fresh schema per run, dropped afterwards; several replicas share it, as in production.
    open: () => createThrowawayPostgresDatabase<CheckoutTables>(url, 'checkout'),
    dispose: (database) => dropThrowawayPostgresDatabase(database),
    takeover: 'own',
  });
});
