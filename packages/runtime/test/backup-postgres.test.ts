import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDump, describePostgresUrl } from '../src/backup/adapters/postgres-dump.js';
import { describeDataBackupContract, type ContractStore } from './backup-contract.js';

// Set to run against a real server, e.g. postgres://postgres@127.0.0.1:5432/test (CI sets it). When it is
// set, an unreachable server fails these tests; it never skips them.
const url = process.env.OPSLOOP_TEST_POSTGRES_URL ?? '';

describe.skipIf(url === '')('pg_dump of a schema (PostgreSQL)', { timeout: 60_000 }, () => {
  const run = `b_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client | undefined;
  let adminFailure: Error | undefined;
  let n = 0;

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
    const { rows } = await admin.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like '${run}%'`,
    );
    for (const { nspname } of rows) await admin.query(`drop schema "${nspname}" cascade`);
    await admin.end();
  });

  it('reaches the server at OPSLOOP_TEST_POSTGRES_URL', async () => {
    if (admin === undefined) throw adminFailure ?? new Error('no connection');
    expect((await admin.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  describeDataBackupContract(async (): Promise<ContractStore> => {
    const schema = `${run}_${++n}`;
    let pool: pg.Pool | undefined;
    const db = () => {
      pool ??= new pg.Pool({ connectionString: url, max: 2 });
      return pool;
    };
    const query = async (text: string, values: unknown[] = []) => {
      const client = await db().connect();
      try {
        await client.query(`set search_path to "${schema}"`);
        return await client.query(text, values);
      } finally {
        client.release();
      }
    };
    await query(`create schema "${schema}"`);
    await query('create table row_log (id integer primary key, at timestamptz not null default now())');
    let next = 1;
    let writing: Promise<void> | undefined;
    let stopRequested = false;
    const insertOne = async () => {
      await query('insert into row_log (id) values ($1)', [next]);
      next++;
    };
    return {
      backup: createPostgresDump({ url, schema }),
      async write(count) {
        for (let i = 0; i < count; i++) await insertOne();
      },
      startWriting() {
        stopRequested = false;
        writing = (async () => {
          while (!stopRequested) await insertOne();
        })();
        return Promise.resolve();
      },
      async stopWriting() {
        stopRequested = true;
        await writing;
        return next - 1;
      },
      count: () => Promise.resolve(next - 1),
      async stop() {
        stopRequested = true;
        await writing;
        await pool?.end();
        pool = undefined;
      },
      ids: async () =>
        (await query('select id from row_log order by id')).rows.map((r: { id: number }) => r.id),
      async close() {
        stopRequested = true;
        await writing;
        await pool?.end();
        pool = undefined;
      },
    };
  });

  it('never shows the password of the URL', () => {
    expect(describePostgresUrl('postgres://shop:s3cr3t@db.example:5432/shop')).toBe(
      'postgres://shop@db.example:5432/shop',
    );
  });

  it('names the server, not the password, when pg_dump fails', async () => {
    const dump = createPostgresDump({ url: 'postgres://nobody:hunter2@127.0.0.1:1/none', schema: 'orders' });
    const error = await dump.backup('/tmp').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^pg_dump failed on postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
