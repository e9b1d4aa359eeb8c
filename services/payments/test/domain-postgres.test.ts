import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createPostgresDatabase } from '@opsloop/store';
import { describe } from 'vitest';
import type { PaymentsTables } from '../src/tables.js';
import { describePaymentsDomain } from './domain-suite.js';

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test. When it is set, an
// unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('PostgreSQL', () => {
  describePaymentsDomain('PostgreSQL', {
    // A fresh schema per run, dropped afterwards.
    open: () =>
      createPostgresDatabase<PaymentsTables>({
        url,
        schema: `t_${randomBytes(4).toString('hex')}_payments`,
        connectionTimeoutMs: 10_000,
      }),
    async dispose(database) {
      try {
        await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
      } finally {
        await database.close();
      }
    },
  });
});
