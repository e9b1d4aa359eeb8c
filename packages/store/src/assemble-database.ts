import type { Logger } from '@opsloop/kit';
import { sql, type Kysely } from 'kysely';
import type { Database, DatabaseKind } from './database.js';
import { runMigrations } from './migrations.js';
import { runTransaction, type TransactionScope } from './transaction.js';

/** What an adapter hands to {@link assembleDatabase}. */
export interface AssembleDatabaseOptions<DB> {
  kysely: Kysely<DB>;
  kind: DatabaseKind;
  schema: string;
  scope: TransactionScope;
  log?: Logger | undefined;
  /** Drains and releases the backend; called once by `close()`. */
  shutdown: () => Promise<void>;
}

/** Builds the {@link Database} port over an adapter's Kysely instance: the behaviour both adapters share. */
export function assembleDatabase<DB>(options: AssembleDatabaseOptions<DB>): Database<DB> {
  const { kysely, kind, schema, scope, log } = options;
  let closing: Promise<void> | undefined;
  const closedError = () => new Error(`database (${kind}, schema ${schema}) is closed`);

  return {
    db: kysely,
    kind,
    schema,
    transaction(fn, transactionOptions) {
      if (closing !== undefined) return Promise.reject(closedError());
      return runTransaction({ kysely, scope, log }, fn, transactionOptions);
    },
    async migrate(migrations) {
      if (closing !== undefined) throw closedError();
      if (scope.inside()) throw new Error('migrate() cannot run inside a transaction callback');
      const result = await runMigrations(kysely, schema, migrations);
      if (result.applied.length > 0) log?.info({ schema, applied: result.applied }, 'migrations applied');
      return result;
    },
    async ping() {
      if (closing !== undefined) return false;
      try {
        await sql`select 1`.execute(kysely);
        return true;
      } catch (error) {
        log?.debug({ err: error }, 'database ping failed');
        return false;
      }
    },
    close() {
      closing ??= options.shutdown();
      return closing;
    },
  };
}
