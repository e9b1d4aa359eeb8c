import type { Migration } from '@opsloop/store';
import { sql } from 'kysely';

/** Name of the migration that creates the `outbox` and `inbox` tables. */
export const OUTBOX_MIGRATION_NAME = '0000_outbox_0001_tables';

/**
 * The migrations of the `outbox` and `inbox` tables, to spread into a service's own migrations
 * (`{ ...outboxMigrations, '0001_cart': … }`). Their names start with `0000_outbox_`, so they sort before
 * the service's `0001_…`: a service that already applied migrations re-keys them under a later name
 * instead. Plain SQL that runs on PostgreSQL 15+ and PGlite.
 */
export const outboxMigrations: Record<string, Migration> = {
  [OUTBOX_MIGRATION_NAME]: {
    async up(db) {
      await sql`
        create table outbox (
          seq bigint generated always as identity primary key,
          event_id text not null unique,
          stream text not null,
          type text not null,
          key text not null,
          data jsonb not null,
          headers jsonb,
          time text not null,
          created_at timestamptz not null default now(),
          published_at timestamptz,
          attempts integer not null default 0,
          last_error text,
          next_attempt_at timestamptz
        )`.execute(db);
      await sql`create index outbox_pending_idx on outbox (seq) where published_at is null`.execute(db);
      await sql`create index outbox_pending_key_idx on outbox (stream, key, seq) where published_at is null`.execute(
        db,
      );
      await sql`create index outbox_published_idx on outbox (published_at) where published_at is not null`.execute(
        db,
      );
      await sql`
        create table inbox (
          consumer text not null,
          event_id text not null,
          handled_at timestamptz not null default now(),
          primary key (consumer, event_id)
        )`.execute(db);
    },
    async down(db) {
      await sql`drop table if exists inbox`.execute(db);
      await sql`drop table if exists outbox`.execute(db);
    },
  },
};
