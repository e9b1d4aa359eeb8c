import type { Logger } from '@opsloop/kit';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { assembleDatabase } from '../assemble-database.js';
import type { Database } from '../database.js';
import { assertSchemaName } from '../schema-name.js';
import { drainingDialect } from '../draining-driver.js';
import { createTransactionScope } from '../transaction.js';
import { mapArray, parseDate, parseInt8, TYPE_OIDS, type NestedArray } from '../type-parsers.js';

/** Options of {@link createPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`; its password is never logged. */
  url: string;
  /** The schema holding the service's tables: created when missing and the only one on the search path. */
  schema: string;
  /** Maximum connections in the pool. Default 10. */
  poolSize?: number;
  /** Server-side `statement_timeout` of every connection in ms; 0 disables it. Default 10 000. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (a new one, or a free one from a busy pool) in ms. Default 10 000. */
  connectionTimeoutMs?: number;
  /** `application_name` shown in `pg_stat_activity`. Default `opsloop-<schema>`. */
  applicationName?: string;
  /** Receives open, close, pool-error and migration messages. */
  log?: Logger;
}

/** `url` with its password replaced by `***`, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

type AnyTypeParser = (oid: number, format?: 'text' | 'binary') => unknown;
const TEXT_ARRAY_OID = 1009;
const defaultParser = pg.types.getTypeParser as AnyTypeParser;
const parseTextArray = defaultParser(TEXT_ARRAY_OID, 'text') as (text: string) => NestedArray<string>;

/**
 * Type parsers of this pool only (the global `pg.types` stay untouched): `int8` and `date` as PGlite reads
 * them (see type-parsers.ts).
 */
const storeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      switch (oid) {
        case TYPE_OIDS.int8:
          return parseInt8;
        case TYPE_OIDS.int8Array:
          return (text: string) => mapArray(parseTextArray(text), parseInt8);
        case TYPE_OIDS.date:
          return parseDate;
        case TYPE_OIDS.dateArray:
          return parseTextArray;
      }
    }
    return defaultParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Connects one service to a PostgreSQL server through a `pg` pool. Every connection starts with
 * `search_path` set to the service's schema (a startup `options` parameter, so `RESET ALL` keeps it) and a
 * `statement_timeout`; the schema is created when missing. Rejects (after closing the pool) when the
 * server cannot be reached or the search path does not take effect (e.g. a URL that sets `options`).
 */
export async function createPostgresDatabase<DB>(options: PostgresDatabaseOptions): Promise<Database<DB>> {
  const schema = assertSchemaName(options.schema);
  const poolSize = options.poolSize ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer (got ${poolSize})`);
  }
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new RangeError(`statementTimeoutMs must be a non-negative integer (got ${statementTimeoutMs})`);
  }
  const log = options.log;
  const where = { url: redactUrl(options.url), schema };

  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    options: `-c search_path=${schema}`,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? `opsloop-${schema}`,
    types: storeTypes,
  });
  // An idle connection that breaks (server restart) is reported here; unhandled, it would crash the process.
  pool.on('error', (error) => log?.warn({ err: error, ...where }, 'idle PostgreSQL connection failed'));

  const scope = createTransactionScope();
  const kysely = new Kysely<DB>({ dialect: drainingDialect(new PostgresDialect({ pool }), scope) });
  let opened = false;
  const shutdown = async () => {
    try {
      await kysely.destroy();
    } finally {
      // destroy() does nothing when Kysely never connected; the pool may still hold connections.
      if (!pool.ended) await pool.end();
      if (opened) log?.info(where, 'PostgreSQL database closed');
    }
  };

  try {
    // Check first, so a role without CREATE on the database can use a schema made for it by an admin.
    const exists = await sql<{ found: number }>`select 1 as found from pg_namespace where nspname = ${schema}`
      .execute(kysely)
      .then((result) => result.rows.length > 0);
    if (!exists) await createSchema(kysely, schema);
    const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(kysely);
    const applied = current.rows[0]?.schema ?? null;
    if (applied !== schema) {
      throw new Error(
        `search_path is not the schema "${schema}" (current schema: ${applied ?? 'none'}); ` +
          'does the database URL set `options`?',
      );
    }
  } catch (error) {
    log?.error({ err: error, ...where }, 'could not open PostgreSQL database');
    await shutdown().catch(() => {});
    throw error;
  }
  opened = true;
  log?.info({ ...where, poolSize }, 'PostgreSQL database opened');
  return assembleDatabase({ kysely, kind: 'postgres', schema, scope, log, shutdown });
}

async function createSchema<DB>(kysely: Kysely<DB>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(kysely);
  } catch (error) {
    // Two processes creating it at once: one of them gets a duplicate key on pg_namespace.
    const exists = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(kysely);
    if (exists.rows.length === 0) throw error;
  }
}
