/**
 * @opsloop/outbox: the transactional outbox (`enqueue` in the service's transaction, a relay that publishes
 * to the bus) and the idempotent inbox (`handleOnce`, `createInboxHandler`). See the package README.
 */
export { outboxMigrations, OUTBOX_MIGRATION_NAME } from './migrations.js';
export type { InboxTable, OutboxTable, OutboxTables } from './tables.js';
export { enqueue } from './enqueue.js';
export { validateEvent, type ValidatedEvent } from './event-schema.js';
export {
  createOutboxRelay,
  DEFAULT_RELAY_BATCH_SIZE,
  DEFAULT_RELAY_MAX_POLL_INTERVAL_MS,
  DEFAULT_RELAY_POLL_INTERVAL_MS,
  DEFAULT_RELAY_RETRY_BACKOFF_MS,
  OUTBOX_LOCK_CLASS,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRelayStats,
} from './outbox-relay.js';
export { createInboxHandler, handleOnce, type HandleOnceResult, type InboxHandlerOptions } from './inbox.js';
