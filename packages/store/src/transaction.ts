import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@opsloop/kit';
import type { Kysely, Transaction } from 'kysely';
import type { TransactionOptions } from './database.js';
import { isSerializationFailure, sqlState } from './errors.js';

/** Default {@link TransactionOptions.retries}. */
export const DEFAULT_TRANSACTION_RETRIES = 3;
const BACKOFF_BASE_MS = 10;
const BACKOFF_MAX_MS = 250;

/**
 * Marks the async work running inside a transaction callback of one database, so that a nested
 * `transaction()` or a query on the outer `Kysely` fails fast: on PGlite it would wait forever for the one
 * connection (held by the transaction), on PostgreSQL it would silently run outside the transaction.
 */
export interface TransactionScope {
  /** Runs `fn` marked as inside a transaction until it settles. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether the caller is inside a transaction callback that has not settled yet. */
  inside(): boolean;
}

/** Creates the {@link TransactionScope} of one database. */
export function createTransactionScope(): TransactionScope {
  const storage = new AsyncLocalStorage<{ active: boolean }>();
  return {
    async run(fn) {
      const marker = { active: true };
      try {
        return await storage.run(marker, fn);
      } finally {
        // Work the callback left running (not awaited) keeps the store: it is no longer inside.
        marker.active = false;
      }
    },
    inside: () => storage.getStore()?.active === true,
  };
}

/** Delay before attempt `attempt + 1` (attempt ≥ 1): exponential from 10 ms, capped at 250 ms, ±50 % jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random()));
}

/** Options of {@link runTransaction}. */
export interface RunTransactionOptions<DB> {
  kysely: Kysely<DB>;
  scope: TransactionScope;
  log?: Logger | undefined;
}

/**
 * Runs `fn` in a Kysely transaction at the requested isolation, retrying serialization failures and
 * deadlocks with jittered back-off. The error of the last attempt is rethrown unchanged.
 */
export async function runTransaction<DB, T>(
  { kysely, scope, log }: RunTransactionOptions<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (scope.inside()) {
    throw new Error(
      'nested transaction: transaction() was called inside a transaction callback; use the trx it was given',
    );
  }
  const retries = options.retries ?? DEFAULT_TRANSACTION_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`transaction retries must be a non-negative integer (got ${retries})`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      let builder = kysely.transaction();
      if (options.isolation !== undefined) builder = builder.setIsolationLevel(options.isolation);
      return await builder.execute((trx) => scope.run(() => fn(trx)));
    } catch (error) {
      if (attempt > retries || !isSerializationFailure(error)) throw error;
      const delay = retryDelayMs(attempt);
      log?.debug({ attempt, sqlstate: sqlState(error), delay_ms: delay }, 'retrying transaction');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
