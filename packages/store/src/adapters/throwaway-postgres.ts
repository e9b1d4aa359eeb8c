import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../database.js';
import { createPostgresDatabase } from './postgres-database.js';

/**
 * A PostgreSQL database in a fresh, uniquely named schema (`t_<random>_<suffix>`), for tests that run
 * against a real server: each run gets its own tables, and {@link dropThrowawayPostgresDatabase} removes them.
 */
export function createThrowawayPostgresDatabase<DB>(url: string, suffix: string): Promise<Database<DB>> {
  return createPostgresDatabase<DB>({
    url,
    schema: `t_${randomBytes(4).toString('hex')}_${suffix}`,
    connectionTimeoutMs: 10_000,
  });
}

/** Drops the schema of a throwaway database (everything in it) and closes the database. */
export async function dropThrowawayPostgresDatabase<DB>(database: Database<DB>): Promise<void> {
  try {
    await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
  } finally {
    await database.close();
  }
}
