import type { Database } from './database.js';

/**
 * The same database with a `close()` that does nothing: for handing one to code that closes what it is given
 * (a service on shutdown) while the caller keeps ownership (a test suite that drops its throwaway schema).
 */
export function withoutClose<DB>(database: Database<DB>): Database<DB> {
  return {
    get db() {
      return database.db;
    },
    kind: database.kind,
    schema: database.schema,
    transaction: (fn, options) => database.transaction(fn, options),
    migrate: (migrations) => database.migrate(migrations),
    ping: () => database.ping(),
    close: () => Promise.resolve(),
  };
}
