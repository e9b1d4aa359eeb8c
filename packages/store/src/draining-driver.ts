import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import type { TransactionScope } from './transaction.js';

function savepointSql(command: string, name: string): CompiledQuery {
  return CompiledQuery.raw(`${command} "${name.replaceAll('"', '""')}"`);
}

/**
 * Wraps an adapter's Kysely driver with what the port promises on every backend:
 *
 * - `destroy` (so `close()`) first waits for the work in flight, including work queued for a connection,
 *   then destroys the inner driver. Closing PGlite under a running query hangs both, kysely-pglite-dialect
 *   would strand its queued waiters, and a `pg` pool that is ending never serves its queue.
 * - a query on the outer `Kysely` from inside a `transaction()` callback fails at once instead of escaping
 *   the transaction (PostgreSQL: another connection, outside the transaction) or deadlocking (PGlite: its one
 *   connection is held by the transaction).
 * - savepoints where the inner driver lacks them (kysely-pglite-dialect).
 */
export class DrainingDriver implements Driver {
  readonly #inner: Driver;
  readonly #scope: TransactionScope;
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(inner: Driver, scope: TransactionScope) {
    this.#inner = inner;
    this.#scope = scope;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#scope.inside()) {
      throw new Error(
        'a query on the database was made inside a transaction callback: use the trx passed to the callback',
      );
    }
    this.#inFlight++;
    try {
      return await this.#inner.acquireConnection();
    } catch (error) {
      this.#settled();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(connection);
    } finally {
      this.#settled();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.savepoint) return this.#inner.savepoint(connection, name, compileQuery);
    await connection.executeQuery(savepointSql('savepoint', name));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.rollbackToSavepoint)
      return this.#inner.rollbackToSavepoint(connection, name, compileQuery);
    await connection.executeQuery(savepointSql('rollback to savepoint', name));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.releaseSavepoint) return this.#inner.releaseSavepoint(connection, name, compileQuery);
    await connection.executeQuery(savepointSql('release savepoint', name));
  }

  async destroy(): Promise<void> {
    // Kysely refuses new acquisitions once destroy has begun; wait for those already running or queued.
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await this.#inner.destroy();
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** `dialect` with its driver wrapped in a {@link DrainingDriver}. */
export function drainingDialect(dialect: Dialect, scope: TransactionScope): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new DrainingDriver(dialect.createDriver(), scope),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
