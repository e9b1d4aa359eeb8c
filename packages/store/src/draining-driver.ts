import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { traceConnection } from './traced-connection.js';
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
 * - a span per query inside a trace (see {@link traceConnection}); the inner driver gets its own connection.
 */
export class DrainingDriver implements Driver {
  readonly #inner: Driver;
  readonly #scope: TransactionScope;
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];
  /** The inner driver's connection behind each traced one handed to Kysely. */
  readonly #innerConnections = new WeakMap<DatabaseConnection, DatabaseConnection>();

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
      const connection = await this.#inner.acquireConnection();
      const traced = traceConnection(connection);
      this.#innerConnections.set(traced, connection);
      return traced;
    } catch (error) {
      this.#settled();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(this.#unwrap(connection));
    } finally {
      this.#settled();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(this.#unwrap(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(this.#unwrap(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(this.#unwrap(connection));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.savepoint) return this.#inner.savepoint(this.#unwrap(connection), name, compileQuery);
    await connection.executeQuery(savepointSql('savepoint', name));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.rollbackToSavepoint)
      return this.#inner.rollbackToSavepoint(this.#unwrap(connection), name, compileQuery);
    await connection.executeQuery(savepointSql('rollback to savepoint', name));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.releaseSavepoint)
      return this.#inner.releaseSavepoint(this.#unwrap(connection), name, compileQuery);
    await connection.executeQuery(savepointSql('release savepoint', name));
  }

  async destroy(): Promise<void> {
    // Kysely refuses new acquisitions once destroy has begun; wait for those already running or queued.
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await this.#inner.destroy();
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#innerConnections.get(connection) ?? connection;
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
