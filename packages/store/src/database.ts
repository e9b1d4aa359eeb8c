import type { Kysely, Migration as KyselyMigration, Transaction } from 'kysely';

/** Which backend a {@link Database} runs on. */
export type DatabaseKind = 'pglite' | 'postgres';

/** Isolation levels a {@link Database.transaction} may ask for (PostgreSQL's default is `read committed`). */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Options of {@link Database.transaction}. */
export interface TransactionOptions {
  /** Isolation level of the transaction; the server default (`read committed`) when omitted. */
  isolation?: IsolationLevel;
  /**
   * How many times a transaction that failed with a serialization failure or a deadlock (SQLSTATE 40001,
   * 40P01) is run again, after a small jittered back-off. Default 3; 0 disables retries.
   */
  retries?: number;
}

/**
 * One schema migration, run inside the migration transaction: `up` gets the transaction as an untyped
 * `Kysely`, because a migration describes the schema before and after itself, not the current types.
 */
export type Migration = KyselyMigration;

/** What {@link Database.migrate} did. */
export interface MigrateResult {
  /** Names of the migrations applied by this call, in the order they ran (empty when already up to date). */
  applied: string[];
}

/**
 * The SQL database port: one service's schema on an embedded PGlite or a PostgreSQL server, used through
 * Kysely. `DB` is the Kysely table map of the service.
 *
 * Numbers: `int2`/`int4`/`float*` and `int8` (`count(*)`, `sum(int4)`, `bigint` columns) come back as
 * `number`; an `int8` beyond ±(2^53−1) comes back as `bigint` rather than losing precision; `numeric` comes
 * back as a `string` (exact decimal); `date` as a `'YYYY-MM-DD'` string; `timestamptz` as a `Date`. Both
 * adapters behave the same.
 */
export interface Database<DB> {
  /**
   * The Kysely instance, with the service's schema first on the search path, so unqualified table names
   * are the service's own. Never use it inside a {@link transaction} callback: use the `trx` given to it.
   */
  readonly db: Kysely<DB>;
  /** The backend. */
  readonly kind: DatabaseKind;
  /** The PostgreSQL schema holding this service's tables (and its migrations table). */
  readonly schema: string;
  /**
   * Runs `fn` in a transaction: commits when it resolves, rolls back and rethrows when it throws. A
   * serialization failure or deadlock runs `fn` again (see {@link TransactionOptions.retries}), so `fn`
   * must not have effects outside the database that cannot be repeated. Transactions do not nest: calling
   * `transaction` from inside `fn` rejects.
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Applies the migrations not applied yet, sorted by name (code-point order, so use zero-padded prefixes
   * like `0001_create_cart`), in one transaction: all of them or none. Idempotent; safe to call from
   * several processes at once (a PostgreSQL advisory lock serializes them). Rejects with a
   * {@link MigrationError} when one fails or when an applied migration is missing from `migrations`.
   */
  migrate(migrations: Record<string, Migration>): Promise<MigrateResult>;
  /** Whether the database answers a trivial query now; never throws (`false` after {@link close}). */
  ping(): Promise<boolean>;
  /**
   * Waits for the work in flight, then releases every connection (and the PGlite instance with its data
   * directory lock). Idempotent. Afterwards every query rejects.
   */
  close(): Promise<void>;
}
