import { context, createTestTracing, SpanKind, SpanStatusCode, trace, type TestTracing } from '@opsloop/kit';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgliteDatabase,
  createThrowawayPostgresDatabase,
  dropThrowawayPostgresDatabase,
  PGLITE_MEMORY,
  sanitizeSql,
  type Database,
} from '../src/index.js';

interface Tables {
  orders: { id: string; total: number; note: string | null };
}

let tracing: TestTracing;
let database: Database<Tables>;

beforeAll(async () => {
  tracing = createTestTracing('orders');
  database = await createPgliteDatabase<Tables>({ dataDir: PGLITE_MEMORY, schema: 'orders' });
  await database.migrate({
    '0001_orders': {
      async up(db: Kysely<unknown>) {
        await sql`create table orders (id text primary key, total integer not null, note text)`.execute(db);
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await database.close();
  await tracing.shutdown();
});
afterEach(() => tracing.reset());

async function inSpan(fn: () => Promise<unknown>) {
  const parent = trace.getTracer('test').startSpan('POST /orders');
  await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  return parent.spanContext();
}

describe('query spans', () => {
  it('makes a CLIENT span per query inside a span, named by operation and table, without values', async () => {
    const parent = await inSpan(async () => {
      await database.db.insertInto('orders').values({ id: 'secret-id-1', total: 4200, note: null }).execute();
      await database.db.selectFrom('orders').selectAll().where('id', '=', 'secret-id-1').execute();
      await database.db.updateTable('orders').set({ note: 'gift' }).where('id', '=', 'secret-id-1').execute();
    });
    expect(tracing.spans().map((span) => span.name)).toEqual([
      'INSERT orders',
      'SELECT orders',
      'UPDATE orders',
      'POST /orders',
    ]);
    const select = tracing.spansNamed('SELECT orders')[0];
    expect(select?.kind).toBe(SpanKind.CLIENT);
    expect(select?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(select?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.system': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
    });
    for (const span of tracing.spans()) {
      const text = String(span.attributes['db.query.text'] ?? '');
      expect(text).not.toContain('secret-id-1');
      expect(text).not.toContain('4200');
      expect(text).not.toContain('gift');
    }
    expect(select?.attributes['db.query.text']).toMatch(/^select \* from "orders" where "id" = \$1$/);
  });

  it('traces queries in a transaction and raw SQL, and records failures with their SQLSTATE', async () => {
    await inSpan(() =>
      database.transaction(async (trx) => {
        await sql`select count(*) from orders where total > ${10}`.execute(trx);
        await trx.insertInto('orders').values({ id: 'dup', total: 1, note: null }).execute();
      }),
    );
    expect(tracing.spans().map((span) => span.name)).toEqual(['SELECT', 'INSERT orders', 'POST /orders']);
    tracing.reset();
    await inSpan(() =>
      database.db
        .insertInto('orders')
        .values({ id: 'dup', total: 1, note: null })
        .execute()
        .catch(() => undefined),
    );
    const failed = tracing.spansNamed('INSERT orders')[0];
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['db.response.status_code']).toBe('23505');
  });

  it('makes no span outside a trace (background polling)', async () => {
    await database.db.selectFrom('orders').selectAll().execute();
    await sql`select 1`.execute(database.db);
    expect(tracing.spans()).toEqual([]);
  });

  it('replaces literals a raw query put in its text', async () => {
    await inSpan(() =>
      database.db.executeQuery(CompiledQuery.raw(`select * from orders where id = 'x''y' and total > 5`)),
    );
    expect(tracing.spansNamed('SELECT')[0]?.attributes['db.query.text']).toBe(
      'select * from orders where id = ? and total > ?',
    );
  });
});

// Set (CI: postgres://postgres@127.0.0.1:5432/test) to run the same check on the pg driver.
const postgresUrl = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(postgresUrl === '')('query spans on PostgreSQL', () => {
  it('traces queries and transactions inside a span and hands the driver back its own connections', async () => {
    const pgDatabase = await createThrowawayPostgresDatabase<Tables>(postgresUrl, 'tracing');
    try {
      await sql`create table orders (id text primary key, total integer not null, note text)`.execute(
        pgDatabase.db,
      );
      const parent = await inSpan(async () => {
        await pgDatabase.db.insertInto('orders').values({ id: 'a', total: 1, note: null }).execute();
        await pgDatabase.transaction((trx) => trx.selectFrom('orders').selectAll().execute());
      });
      const names = tracing.spans().map((span) => span.name);
      expect(names).toEqual(['INSERT orders', 'SELECT orders', 'POST /orders']);
      expect(tracing.spansNamed('SELECT orders')[0]?.parentSpanContext?.spanId).toBe(parent.spanId);
    } finally {
      await dropThrowawayPostgresDatabase(pgDatabase);
    }
  });
});

describe('sanitizeSql', () => {
  it('never keeps a string or number literal, and keeps placeholders and identifiers', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 10, max: 1_000_000 }), (secret, number) => {
        const quoted = `'${secret.replaceAll("'", "''")}'`;
        const text = sanitizeSql(
          `select "t1".col2 from t1 where a = ${quoted} and b = ${number} and c = $12`,
        );
        expect(text).toBe('select "t1".col2 from t1 where a = ? and b = ? and c = $12');
      }),
    );
  });
});
