import { createThrowawayPostgresDatabase, dropThrowawayPostgresDatabase } from '@opsloop/store';
import { describe } from 'vitest';
import type { PaymentsTables } from '../src/tables.js';
import { describePaymentsGrpc } from './grpc-suite.js';

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test. When it is set, an
// unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('PostgreSQL', () => {
  describePaymentsGrpc('PostgreSQL', {
    open: () => createThrowawayPostgresDatabase<PaymentsTables>(url, 'payments'),
    dispose: (database) => dropThrowawayPostgresDatabase(database),
  });
});
