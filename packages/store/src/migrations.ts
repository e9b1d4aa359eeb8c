import { Migrator, type Kysely } from 'kysely';
import type { MigrateResult, Migration } from './database.js';

/** Name of the table (in the service's schema) that records applied migrations. */
export const MIGRATION_TABLE = 'kysely_migration';
/** Name of the table (in the service's schema) Kysely's migrator uses for its lock row. */
export const MIGRATION_LOCK_TABLE = 'kysely_migration_lock';

/** Raised by {@link runMigrations} (and so by `Database.migrate`); the driver's error is the `cause`. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  /** The migration that failed, when one did (rather than the bookkeeping before them). */
  readonly migration: string | undefined;
  constructor(message: string, migration: string | undefined, options: { cause: unknown }) {
    super(message, options);
    this.migration = migration;
  }
}

/** Code-point order: unlike Kysely's default `localeCompare`, it does not depend on the machine's locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Applies the pending `migrations` to `db` with Kysely's `Migrator`: the bookkeeping tables live in
 * `schema`, names are sorted in code-point order, all pending migrations run in one transaction, and on
 * PostgreSQL a transaction-scoped advisory lock makes concurrent runs (several replicas starting at once)
 * apply each migration exactly once.
 */
export async function runMigrations(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations work on any table map
  db: Kysely<any>,
  schema: string,
  migrations: Record<string, Migration>,
): Promise<MigrateResult> {
  for (const [name, migration] of Object.entries(migrations)) {
    if (name.trim() === '' || typeof migration?.up !== 'function') {
      throw new MigrationError(`migration ${JSON.stringify(name)} has no up() function`, name, {
        cause: undefined,
      });
    }
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    nameComparator: compareNames,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const message =
      failed === undefined
        ? `migrations could not run: ${describe(error)}`
        : `migration ${failed} failed (no migration of this run was applied): ${describe(error)}`;
    throw new MigrationError(message, failed, { cause: error });
  }
  return {
    applied: (results ?? [])
      .filter((result) => result.status === 'Success' && result.direction === 'Up')
      .map((result) => result.migrationName),
  };
}
