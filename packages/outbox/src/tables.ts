import type { Generated } from 'kysely';

/** A row of the `outbox` table: one event waiting to be published (or published, until purged). */
export interface OutboxTable {
  /** Insertion order; the relay publishes in this order. */
  seq: Generated<number>;
  /** The event id: the bus's publish dedupe key (unique). */
  event_id: string;
  /** The bus stream to publish to. */
  stream: string;
  /** The event type, e.g. `order.placed.v1`. */
  type: string;
  /** The ordering key. */
  key: string;
  /** The event's `data` (jsonb; written through a `cast(… as jsonb)` expression). */
  data: unknown;
  /** The event's headers (jsonb) or null. */
  headers: Record<string, string> | null;
  /** The event's `time`, RFC 3339, kept as written. */
  time: string;
  /** When the row was written (server time). */
  created_at: Generated<Date>;
  /** When the relay published it, or null while pending. */
  published_at: Date | null;
  /** Failed publish attempts so far. */
  attempts: Generated<number>;
  /** The last publish error (name and message), or null. */
  last_error: string | null;
  /** Earliest time of the next attempt after a failure (back-off), or null. */
  next_attempt_at: Date | null;
}

/** A row of the `inbox` table: one event a consumer has handled. */
export interface InboxTable {
  /** The consumer (usually the bus group) that handled the event. */
  consumer: string;
  /** The handled event's id. */
  event_id: string;
  /** When it was handled (server time). */
  handled_at: Generated<Date>;
}

/** The Kysely table map of the tables {@link outboxMigrations} creates. */
export interface OutboxTables {
  outbox: OutboxTable;
  inbox: InboxTable;
}
