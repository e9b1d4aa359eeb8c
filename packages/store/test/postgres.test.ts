import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@opsloop/kit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseFromConfig,
  createPostgresDatabase,
  sqlState,
  type Database,
  type Migration,
  type PostgresDatabaseOptions,
} from '../src/index.js';
import { describeDatabaseContract } from './contract.js';

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test (CI sets it). When it is
// set, an unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('PostgreSQL adapter', () => {
  // Every run works in its own schemas, dropped afterwards.
  const run = `t_${randomBytes(4).toString('hex')}`;
  const schemas = new Set<string>();
  let admin: pg.Client | undefined;

  const schemaFor = (name: string) => {
    const schema = `${run}_${name}`;
    schemas.add(schema);
    return schema;
  };
  const open = <DB>(name: string, options: Partial<PostgresDatabaseOptions> = {}) =>
    createPostgresDatabase<DB>({ url, schema: schemaFor(name), ...options });

  let adminFailure: Error | undefined;
  const requireAdmin = (): pg.Client => {
    if (admin === undefined) throw adminFailure ?? new Error('no admin connection');
    return admin;
  };

  // Kept rather than thrown: a failing beforeAll would report the tests as skipped, not failed.
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      admin = client;
    } catch (error) {
      adminFailure = error instanceof Error ? error : new Error(String(error));
      await client.end().catch(() => {});
    }
  });

  afterAll(async () => {
    if (admin === undefined) return;
    try {
      for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await admin.end();
    }
  });

  it('reaches the server at OPSLOOP_TEST_POSTGRES_URL', async () => {
    const result = await requireAdmin().query<{ ok: number }>('select 1 as ok');
    expect(result.rows).toEqual([{ ok: 1 }]);
  });

  describeDatabaseContract('postgres', (name) => open(name));

  it('concurrent migrate() from several Database objects applies each migration exactly once', async () => {
    const migrations: Record<string, Migration> = {
      '0001_log': {
        async up(db) {
          await sql`create table mig_log (name text not null)`.execute(db);
          await sql`insert into mig_log values ('0001_log')`.execute(db);
        },
      },
      '0002_slow': {
        async up(db) {
          // Widens the window in which the others wait on the migration lock.
          await sql`select pg_sleep(0.2)`.execute(db);
          await sql`insert into mig_log values ('0002_slow')`.execute(db);
        },
      },
      '0003_last': {
        async up(db) {
          await sql`insert into mig_log values ('0003_last')`.execute(db);
        },
      },
    };
    const databases = await Promise.all([1, 2, 3, 4].map(() => open('concurrent_migrate')));
    try {
      const results = await Promise.all(databases.map((database) => database.migrate(migrations)));
      const applied = results.flatMap((result) => result.applied).sort();
      expect(applied).toEqual(['0001_log', '0002_slow', '0003_last']);
      const log = await sql<{ name: string }>`select name from mig_log order by name`.execute(
        databases[0]!.db,
      );
      expect(log.rows.map((row) => row.name)).toEqual(['0001_log', '0002_slow', '0003_last']);
    } finally {
      await Promise.all(databases.map((database) => database.close()));
    }
  });

  it('creates the schema once when several processes open it at the same time', async () => {
    const databases = await Promise.all([1, 2, 3].map(() => open('concurrent_create')));
    try {
      for (const database of databases) expect(await database.ping()).toBe(true);
      const found = await requireAdmin().query(
        'select count(*)::int as n from pg_namespace where nspname = $1',
        [databases[0]!.schema],
      );
      expect(found.rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(databases.map((database) => database.close()));
    }
  });

  it('sets search_path and statement_timeout on every connection', async () => {
    const database = await open('settings', { statementTimeoutMs: 300, poolSize: 3 });
    try {
      const rows = await Promise.all(
        [1, 2, 3].map(() =>
          database.transaction(async (trx) => {
            const result = await sql<{ schema: string; timeout: string }>`
              select current_schema() as schema, current_setting('statement_timeout') as timeout
            `.execute(trx);
            // Hold the connection so the three use three different connections.
            await sql`select pg_sleep(0.05)`.execute(trx);
            return result.rows[0];
          }),
        ),
      );
      expect(rows).toEqual(Array(3).fill({ schema: database.schema, timeout: '300ms' }));
      const cancelled = await sql`select pg_sleep(30)`.execute(database.db).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(sqlState(cancelled)).toBe('57014'); // query_canceled
    } finally {
      await database.close();
    }
  });

  it('leaves the global pg type parsers alone', async () => {
    const database = await open('types');
    try {
      const parseInt8 = pg.types.getTypeParser(20, 'text') as (text: string) => unknown;
      expect(parseInt8('5')).toBe('5');
      const viaStore = await sql<{ n: unknown }>`select 5::int8 as n`.execute(database.db);
      expect(viaStore.rows).toEqual([{ n: 5 }]);
      const viaPlainPg = await requireAdmin().query('select 5::int8 as n');
      expect(viaPlainPg.rows).toEqual([{ n: '5' }]);
    } finally {
      await database.close();
    }
  });

  it('refuses a URL whose options override the search path', async () => {
    const withOptions = new URL(url);
    withOptions.searchParams.set('options', '-c search_path=public');
    await expect(
      createPostgresDatabase({ url: withOptions.toString(), schema: schemaFor('overridden') }),
    ).rejects.toThrow(/search_path is not the schema/);
  });

  it('fails fast on an unreachable server and never logs the password', async () => {
    const lines: string[] = [];
    const log = createLogger({
      service: 'store-test',
      version: '0',
      instance: 'test',
      level: 'trace',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const unreachable = 'postgres://shop:hunter2-secret@127.0.0.1:1/test';
    const error = await createPostgresDatabase({
      url: unreachable,
      schema: 'unreachable',
      connectionTimeoutMs: 5_000,
      log,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain('hunter2');
    const logged = lines.join('');
    expect(logged).toContain('could not open PostgreSQL database');
    expect(logged).toContain('shop:***@127.0.0.1:1');
    expect(logged).not.toContain('hunter2');
  });

  it('createDatabaseFromConfig picks PostgreSQL when DATABASE_URL is set', async () => {
    const service = `${run}-from-config`;
    schemas.add(service.replaceAll('-', '_'));
    let database: Database<unknown> | undefined;
    try {
      database = await createDatabaseFromConfig({ DATABASE_URL: url, service });
      expect(database.kind).toBe('postgres');
      expect(database.schema).toBe(service.replaceAll('-', '_'));
      expect(await database.ping()).toBe(true);
    } finally {
      await database?.close();
    }
  });
});
