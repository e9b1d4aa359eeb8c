import { sql, type Generated, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isCheckViolation,
  isForeignKeyViolation,
  isSerializationFailure,
  isUniqueViolation,
  MIGRATION_TABLE,
  MigrationError,
  sqlState,
  SQLSTATE,
  type Database,
  type Migration,
} from '../src/index.js';

/** The tables the contract works on. */
interface ContractTables {
  stock: { id: string; qty: number };
  counter: { id: string; n: number };
  item: { id: Generated<number>; sku: string; qty: number; price: string };
  reservation: { id: Generated<number>; item_id: number };
  ledger: { id: Generated<number>; writer: string; seen: number };
  attempt_log: { id: Generated<number>; attempt: number };
}

type ContractDatabase = Database<ContractTables>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a database of any table map
type AnyDatabase = Database<any>;

/** The schema of the contract's main database, applied once in `beforeAll`. */
const contractMigrations: Record<string, Migration> = {
  '0001_stock_and_counter': {
    async up(db) {
      await db.schema
        .createTable('stock')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('qty', 'integer', (c) => c.notNull().check(sql`qty >= 0`))
        .execute();
      await db.schema
        .createTable('counter')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('n', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0002_items': {
    async up(db) {
      await db.schema
        .createTable('item')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('sku', 'text', (c) => c.notNull().unique())
        .addColumn('qty', 'integer', (c) => c.notNull().check(sql`qty >= 0`))
        .addColumn('price', 'numeric(12, 2)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('reservation')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('item_id', 'integer', (c) => c.notNull().references('item.id'))
        .execute();
    },
  },
  '0003_ledger': {
    async up(db) {
      await db.schema
        .createTable('ledger')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('writer', 'text', (c) => c.notNull())
        .addColumn('seen', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('attempt_log')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/** A migration that records its name in `m_order`, to observe the order migrations run in. */
function recording(name: string, extra?: (db: Kysely<unknown>) => Promise<void>): Migration {
  return {
    async up(db) {
      await sql`insert into m_order (name) values (${name})`.execute(db);
      if (extra) await extra(db);
    },
  };
}

/** Resolves once `parties` callers have arrived, or rejects after `timeoutMs` (a bounded wait). */
function barrier(parties: number, timeoutMs: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    arrived++;
    if (arrived >= parties) release();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        all,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`barrier: ${arrived}/${parties} after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function serializationError(): Error {
  return Object.assign(new Error('could not serialize access (synthetic)'), {
    code: SQLSTATE.serializationFailure,
  });
}

/**
 * Registers the contract every {@link Database} adapter must satisfy. `create(schema)` opens a database on
 * the adapter's backend whose schema is derived from `schema` (adapters under test may add a unique
 * suffix); the suite closes every database it opens.
 */
export function describeDatabaseContract(
  name: string,
  create: (schema: string) => Promise<AnyDatabase>,
): void {
  describe(`Database contract: ${name}`, () => {
    const opened: AnyDatabase[] = [];
    /** The database most tests work on, with {@link contractMigrations} applied. */
    let db: ContractDatabase;
    /** A second database on the same backend with its own schema, for the migration and isolation tests. */
    let peer: AnyDatabase;

    async function open(schema: string): Promise<ContractDatabase> {
      const database = (await create(schema)) as ContractDatabase;
      opened.push(database);
      return database;
    }

    // A failing beforeAll makes vitest report every test as skipped; an unreachable backend must show up as
    // failed tests instead, so setup errors are kept and rethrown by each test.
    let setupFailure: Error | undefined;
    const test = (title: string, fn: () => Promise<void> | void) =>
      it(title, async () => {
        if (setupFailure !== undefined) throw setupFailure;
        await fn();
      });

    beforeAll(async () => {
      try {
        [db, peer] = await Promise.all([open('contract_main'), open('contract_peer')]);
        await db.migrate(contractMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(`contract setup failed: ${String(error)}`);
      }
    });

    afterAll(async () => {
      await Promise.all(opened.map((database) => database.close()));
    });

    test('reports its kind and a valid schema', () => {
      expect(['pglite', 'postgres']).toContain(db.kind);
      expect(db.schema).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
    });

    test('migrate() applies pending migrations once, in name order, all or none', async () => {
      const fresh = peer;
      const base = {
        '0000_order_table': {
          async up(mdb: Kysely<unknown>) {
            await sql`create table m_order (seq serial primary key, name text not null)`.execute(mdb);
          },
        },
      };
      // Keys deliberately out of order: the runner sorts by name.
      const first: Record<string, Migration> = {
        '0002_add_column': recording('0002_add_column', async (mdb) => {
          await sql`alter table m_thing add column b text`.execute(mdb);
        }),
        '0001_create': recording('0001_create', async (mdb) => {
          await sql`create table m_thing (a integer)`.execute(mdb);
        }),
        ...base,
      };
      expect(await fresh.migrate(first)).toEqual({
        applied: ['0000_order_table', '0001_create', '0002_add_column'],
      });
      expect(await fresh.migrate(first)).toEqual({ applied: [] });

      const second = { ...first, '0003_more': recording('0003_more') };
      expect(await fresh.migrate(second)).toEqual({ applied: ['0003_more'] });

      // A failing migration takes the whole batch down with it: 0004 is rolled back too.
      const broken = {
        ...second,
        '0004_ok': recording('0004_ok', async (mdb) => {
          await sql`create table m_partial (x integer)`.execute(mdb);
        }),
        '0005_broken': recording('0005_broken', async (mdb) => {
          await sql`select * from m_missing_table`.execute(mdb);
        }),
      };
      const failure = await fresh.migrate(broken).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as MigrationError).migration).toBe('0005_broken');
      expect(sqlState(failure)).toBe(SQLSTATE.undefinedTable);

      const order = await sql<{ name: string }>`select name from m_order order by seq`.execute(fresh.db);
      expect(order.rows.map((row) => row.name)).toEqual(['0001_create', '0002_add_column', '0003_more']);
      const partial = await sql<{
        found: string | null;
      }>`select to_regclass('m_partial')::text as found`.execute(fresh.db);
      expect(partial.rows[0]?.found).toBeNull();

      // The bookkeeping lives in the service's own schema.
      const tables = await sql<{ schema: string }>`
        select table_schema as schema from information_schema.tables where table_name = ${MIGRATION_TABLE}
      `.execute(fresh.db);
      expect(tables.rows.map((row) => row.schema)).toContain(fresh.schema);

      // Forgetting an applied migration is an error, not a silent skip.
      const missing = Object.fromEntries(Object.entries(second).filter(([name]) => name !== '0003_more'));
      await expect(fresh.migrate(missing)).rejects.toBeInstanceOf(MigrationError);
    });

    test('inserts, selects, updates and deletes through Kysely', async () => {
      const inserted = await db.db
        .insertInto('item')
        .values([
          { sku: 'crud-a', qty: 3, price: '9.99' },
          { sku: 'crud-b', qty: 5, price: '0.50' },
        ])
        .returning(['id', 'sku'])
        .execute();
      expect(inserted.map((row) => row.sku)).toEqual(['crud-a', 'crud-b']);
      expect(inserted.every((row) => typeof row.id === 'number')).toBe(true);

      const selected = await db.db
        .selectFrom('item')
        .select(['sku', 'qty', 'price'])
        .where('sku', 'like', 'crud-%')
        .orderBy('sku')
        .execute();
      expect(selected).toEqual([
        { sku: 'crud-a', qty: 3, price: '9.99' },
        { sku: 'crud-b', qty: 5, price: '0.50' },
      ]);

      const updated = await db.db
        .updateTable('item')
        .set((eb) => ({ qty: eb('qty', '+', 10) }))
        .where('sku', '=', 'crud-a')
        .executeTakeFirstOrThrow();
      expect(updated.numUpdatedRows).toBe(1n);
      const none = await db.db
        .updateTable('item')
        .set({ qty: 0 })
        .where('sku', '=', 'crud-none')
        .executeTakeFirstOrThrow();
      expect(none.numUpdatedRows).toBe(0n);
      expect(
        await db.db.selectFrom('item').select('qty').where('sku', '=', 'crud-a').executeTakeFirstOrThrow(),
      ).toEqual({ qty: 13 });

      const deleted = await db.db.deleteFrom('item').where('sku', 'like', 'crud-%').executeTakeFirstOrThrow();
      expect(deleted.numDeletedRows).toBe(2n);
      expect(await db.db.selectFrom('item').selectAll().where('sku', 'like', 'crud-%').execute()).toEqual([]);
    });

    test('commits a transaction and returns its value', async () => {
      const id = await db.transaction(async (trx) => {
        const row = await trx
          .insertInto('item')
          .values({ sku: 'tx-commit', qty: 1, price: '1.00' })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx.updateTable('item').set({ qty: 2 }).where('id', '=', row.id).execute();
        return row.id;
      });
      expect(
        await db.db.selectFrom('item').select(['sku', 'qty']).where('id', '=', id).executeTakeFirst(),
      ).toEqual({ sku: 'tx-commit', qty: 2 });
    });

    test('rolls back a transaction whose callback throws and rethrows that error', async () => {
      const boom = new Error('boom');
      await expect(
        db.transaction(async (trx) => {
          await trx.insertInto('item').values({ sku: 'tx-rollback', qty: 1, price: '1.00' }).execute();
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.db.selectFrom('item').selectAll().where('sku', '=', 'tx-rollback').execute()).toEqual(
        [],
      );
    });

    test('supports savepoints in controlled transactions', async () => {
      const trx = await db.db.startTransaction().execute();
      try {
        await trx.insertInto('item').values({ sku: 'sp-kept', qty: 1, price: '1.00' }).execute();
        const afterSavepoint = await trx.savepoint('before_second').execute();
        await afterSavepoint.insertInto('item').values({ sku: 'sp-undone', qty: 1, price: '1.00' }).execute();
        await afterSavepoint.rollbackToSavepoint('before_second').execute();
        await trx.commit().execute();
      } catch (error) {
        await trx.rollback().execute();
        throw error;
      }
      const skus = await db.db.selectFrom('item').select('sku').where('sku', 'like', 'sp-%').execute();
      expect(skus).toEqual([{ sku: 'sp-kept' }]);
    });

    test('recognises unique violations, and does not retry them', async () => {
      await db.db.insertInto('item').values({ sku: 'dup', qty: 1, price: '1.00' }).execute();
      let attempts = 0;
      const error = await db
        .transaction(async (trx) => {
          attempts++;
          await trx.insertInto('item').values({ sku: 'dup', qty: 2, price: '2.00' }).execute();
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isUniqueViolation(error)).toBe(true);
      expect(isCheckViolation(error)).toBe(false);
      expect(isSerializationFailure(error)).toBe(false);
      expect(attempts).toBe(1);
    });

    test('recognises check and foreign-key violations', async () => {
      const check = await db.db
        .insertInto('item')
        .values({ sku: 'negative', qty: -1, price: '1.00' })
        .execute()
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isCheckViolation(check)).toBe(true);
      expect(isUniqueViolation(check)).toBe(false);

      const foreignKey = await db.db
        .insertInto('reservation')
        .values({ item_id: 987_654 })
        .execute()
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isForeignKeyViolation(foreignKey)).toBe(true);
      expect(isCheckViolation(foreignKey)).toBe(false);
    });

    test('200 concurrent conditional decrements of a stock of 50: exactly 50 succeed, never below 0', async () => {
      await db.db.insertInto('stock').values({ id: 'sku-race', qty: 50 }).execute();
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, () =>
          db.transaction(async (trx) => {
            const row = await trx
              .updateTable('stock')
              .set((eb) => ({ qty: eb('qty', '-', 1) }))
              .where('id', '=', 'sku-race')
              .where('qty', '>=', 1)
              .returning('qty')
              .executeTakeFirst();
            return row?.qty;
          }),
        ),
      );
      const sold = outcomes.filter((qty): qty is number => qty !== undefined);
      expect(sold).toHaveLength(50);
      // Each success saw a different remaining quantity: 49 … 0, no lost update, none negative.
      expect([...sold].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      const final = await db.db
        .selectFrom('stock')
        .select('qty')
        .where('id', '=', 'sku-race')
        .executeTakeFirst();
      expect(final).toEqual({ qty: 0 });
    });

    test('SELECT … FOR UPDATE read-modify-write by 50 concurrent transactions loses no update', async () => {
      await db.db.insertInto('counter').values({ id: 'rmw', n: 0 }).execute();
      const txid = async (trx: Kysely<ContractTables>) =>
        (await sql<{ txid: string }>`select txid_current()::text as txid`.execute(trx)).rows[0]?.txid;
      const transactions = await Promise.all(
        Array.from({ length: 50 }, () =>
          db.transaction(async (trx) => {
            const before = await txid(trx);
            const { n } = await trx
              .selectFrom('counter')
              .select('n')
              .where('id', '=', 'rmw')
              .forUpdate()
              .executeTakeFirstOrThrow();
            await trx
              .updateTable('counter')
              .set({ n: n + 1 })
              .where('id', '=', 'rmw')
              .execute();
            return { before, after: await txid(trx) };
          }),
        ),
      );
      const final = await db.db.selectFrom('counter').select('n').where('id', '=', 'rmw').executeTakeFirst();
      expect(final).toEqual({ n: 50 });
      // Every statement of a callback ran in that callback's own transaction, never in another's.
      expect(transactions.every(({ before, after }) => before !== undefined && before === after)).toBe(true);
      expect(new Set(transactions.map(({ before }) => before)).size).toBe(50);
    });

    test('retries serialization failures up to `retries` times, rolling back each failed attempt', async () => {
      let attempts = 0;
      const result = await db.transaction(async (trx) => {
        attempts++;
        await trx.insertInto('attempt_log').values({ attempt: attempts }).execute();
        if (attempts < 3) throw serializationError();
        return 'done';
      });
      expect(result).toBe('done');
      expect(attempts).toBe(3);
      const logged = await db.db.selectFrom('attempt_log').select('attempt').execute();
      expect(logged).toEqual([{ attempt: 3 }]);

      let limited = 0;
      const error = await db
        .transaction(
          () => {
            limited++;
            return Promise.reject(serializationError());
          },
          { retries: 1 },
        )
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isSerializationFailure(error)).toBe(true);
      expect(limited).toBe(2);

      let once = 0;
      await expect(
        db.transaction(
          () => {
            once++;
            return Promise.reject(Object.assign(new Error('deadlock (synthetic)'), { code: '40P01' }));
          },
          { retries: 0 },
        ),
      ).rejects.toThrow('deadlock');
      expect(once).toBe(1);
    });

    test('two conflicting serializable transactions both commit, in some serial order', async () => {
      // Each reads how many ledger rows exist, then adds one: a write-skew pattern. On PostgreSQL both read
      // before either writes (the barrier), so one fails with 40001 and is retried. PGlite has one
      // connection: the second cannot start before the first ends, so no barrier (it would wait forever).
      const concurrent = db.kind === 'postgres';
      const bothRead = barrier(2, 15_000);
      let attempts = 0;
      const run = (writer: string) =>
        db.transaction(
          async (trx) => {
            attempts++;
            const first = attempts <= 2;
            const { count } = await trx
              .selectFrom('ledger')
              .select((eb) => eb.fn.countAll<number>().as('count'))
              .executeTakeFirstOrThrow();
            if (concurrent && first) await bothRead();
            await trx.insertInto('ledger').values({ writer, seen: count }).execute();
          },
          { isolation: 'serializable', retries: 5 },
        );
      await Promise.all([run('a'), run('b')]);
      const rows = await db.db.selectFrom('ledger').select(['writer', 'seen']).orderBy('seen').execute();
      // Serializable: the outcome of running them one after the other.
      expect(rows.map((row) => row.seen)).toEqual([0, 1]);
      expect(rows.map((row) => row.writer).sort()).toEqual(['a', 'b']);
      if (concurrent) expect(attempts).toBeGreaterThan(2);
    });

    test('rejects transaction() and queries on the outer database inside a transaction callback', async () => {
      await expect(db.transaction(() => db.transaction(() => Promise.resolve(1)))).rejects.toThrow(
        /nested transaction/,
      );
      await expect(db.transaction(() => db.db.selectFrom('item').selectAll().execute())).rejects.toThrow(
        /inside a transaction callback/,
      );
      // And the database is still usable afterwards.
      expect(await db.ping()).toBe(true);
    });

    test('reads numbers and dates the same way on every adapter', async () => {
      await db.db.insertInto('item').values({ sku: 'num-1', qty: 7, price: '12.50' }).execute();
      const counted = await db.db
        .selectFrom('item')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.sum('qty').as('total')])
        .where('sku', '=', 'num-1')
        .executeTakeFirstOrThrow();
      // count(*) and sum(int4) are int8: numbers, not strings.
      expect(counted).toEqual({ count: 1, total: 7 });

      const result = await sql<Record<string, unknown>>`
        select
          9007199254740993::int8 as big,
          array[1, 2]::int8[] as int8s,
          price as price,
          sum(price) as price_sum,
          '2024-02-29'::date as day,
          '2024-02-29T12:00:00Z'::timestamptz as instant,
          '{"a": [1, 2]}'::jsonb as doc,
          true as flag
        from item where sku = 'num-1' group by price
      `.execute(db.db);
      expect(result.rows[0]).toEqual({
        big: 9007199254740993n, // beyond 2^53 - 1: a bigint, never a rounded number
        int8s: [1, 2],
        price: '12.50', // numeric: exact decimal text
        price_sum: '12.50',
        day: '2024-02-29', // date: calendar text, no time zone shift
        instant: new Date('2024-02-29T12:00:00Z'),
        doc: { a: [1, 2] },
        flag: true,
      });
    });

    test('keeps databases with different schemas apart', async () => {
      await sql`create table iso_shared (owner text not null)`.execute(db.db);
      await sql`create table iso_shared (owner text not null)`.execute(peer.db);
      await sql`create table iso_only_peer (x integer)`.execute(peer.db);
      await sql`insert into iso_shared (owner) values ('main')`.execute(db.db);
      await sql`insert into iso_shared (owner) values ('peer'), ('peer')`.execute(peer.db);

      const owners = async (database: AnyDatabase) =>
        (await sql<{ owner: string }>`select owner from iso_shared`.execute(database.db)).rows.map(
          (row) => row.owner,
        );
      expect(await owners(db)).toEqual(['main']);
      expect(await owners(peer)).toEqual(['peer', 'peer']);

      const missing = await sql`select * from iso_only_peer`.execute(db.db).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(sqlState(missing)).toBe(SQLSTATE.undefinedTable);
      const alsoMissing = await sql`select * from stock`.execute(peer.db).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(sqlState(alsoMissing)).toBe(SQLSTATE.undefinedTable);
    });

    test('ping() is true while open; close() waits for work in flight, then everything fails fast', async () => {
      const doomed = await open('contract_close');
      expect(await doomed.ping()).toBe(true);

      let finished = false;
      const inFlight = doomed.transaction(async (trx) => {
        await sql`select 1`.execute(trx);
        await sql`select 2`.execute(trx);
        finished = true;
        return 'finished';
      });
      const closing = doomed.close();
      await expect(inFlight).resolves.toBe('finished');
      await closing;
      expect(finished).toBe(true);

      expect(await doomed.ping()).toBe(false);
      await expect(sql`select 1`.execute(doomed.db)).rejects.toThrow();
      await expect(doomed.transaction(() => Promise.resolve(1))).rejects.toThrow(/closed/);
      await expect(doomed.migrate({})).rejects.toThrow(/closed/);
      await doomed.close(); // idempotent
    });
  });
}
