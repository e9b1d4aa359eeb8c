import type { Delivery, SubscribeOptions } from '@opsloop/bus';
import type { Logger } from '@opsloop/kit';
import type { Database, TransactionOptions } from '@opsloop/store';
import type { Kysely, Transaction } from 'kysely';
import type { OutboxTables } from './tables.js';

/** What {@link handleOnce} did: ran the effect and recorded the event, or found it already handled. */
export type HandleOnceResult = 'handled' | 'duplicate';

function checkId(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new TypeError(`${what} must be a string of 1-256 characters`);
  }
}

/**
 * Runs `effect` at most once per (`consumer`, `eventId`): in one transaction it inserts the inbox row and
 * runs the effect with that transaction. If the row already exists (an earlier or concurrent delivery
 * committed it) nothing runs and the result is `'duplicate'`. If `effect` throws, the transaction rolls
 * back — no inbox row, no effect — and the error is rethrown, so a redelivery runs it again. The effect
 * must change only this database (through `trx`): the transaction may be retried on a serialization
 * failure (see `TransactionOptions`).
 */
export async function handleOnce<DB>(
  database: Database<DB>,
  consumer: string,
  eventId: string,
  effect: (trx: Transaction<DB>) => Promise<void>,
  options?: TransactionOptions,
): Promise<HandleOnceResult> {
  checkId('consumer', consumer);
  checkId('eventId', eventId);
  return database.transaction(async (trx) => {
    const inserted = await (trx as unknown as Kysely<OutboxTables>)
      .insertInto('inbox')
      .values({ consumer, event_id: eventId })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (inserted === undefined) return 'duplicate';
    await effect(trx);
    return 'handled';
  }, options);
}

/** Options of {@link createInboxHandler}. */
export interface InboxHandlerOptions<T, DB> {
  /** The consumer's database (with {@link outboxMigrations} applied). */
  database: Database<DB>;
  /** The inbox consumer name, usually the bus group (one inbox row per consumer and event). */
  consumer: string;
  /** The effect of one delivery, in the transaction that records it in the inbox. */
  handler: (delivery: Delivery<T>, trx: Transaction<DB>) => Promise<void>;
  /** Transaction options (isolation, retries) of each handling. */
  transaction?: TransactionOptions;
  /** Logs duplicates at debug level. */
  log?: Logger;
}

/**
 * Adapts an effect to a bus `SubscribeOptions.handler`: each delivery runs {@link handleOnce} with the
 * delivery's event id, so a redelivered event acknowledges without a second effect, and a failing effect
 * throws (the bus redelivers it after its back-off).
 */
export function createInboxHandler<T, DB>(
  options: InboxHandlerOptions<T, DB>,
): SubscribeOptions<T>['handler'] {
  const { database, consumer, handler, log } = options;
  checkId('consumer', consumer);
  return async (delivery) => {
    const result = await handleOnce(
      database,
      consumer,
      delivery.event.id,
      (trx) => handler(delivery, trx),
      options.transaction,
    );
    if (result === 'duplicate') {
      log?.debug(
        { consumer, event_id: delivery.event.id, stream: delivery.stream, attempt: delivery.attempt },
        'duplicate event ignored',
      );
    }
  };
}
