import { sql } from 'kysely';
import { outboxMigrations } from '@opsloop/outbox';
import type { Migration } from '@opsloop/store';

/**
 * The checkout service's migrations: the outbox and inbox tables, then the saga tables. Never edit an
 * applied one: add a new entry whose name sorts after the others.
 */
export const checkoutMigrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_checkout_saga': {
    async up(db) {
      // answer_body is json, not jsonb: the stored answer is replayed byte for byte, members in their order.
      await sql`
        create table checkout_saga (
          id uuid primary key,
          user_id text not null,
          idempotency_key text not null,
          key_active boolean not null,
          request_hash text not null,
          source text not null check (source in ('cart', 'lines')),
          cart_version bigint,
          lines jsonb not null,
          currency text not null check (currency ~ '^[A-Z]{3}$'),
          subtotal_minor bigint not null check (subtotal_minor >= 0),
          discount_minor bigint not null check (discount_minor >= 0),
          total_minor bigint not null check (total_minor > 0),
          order_id uuid not null unique,
          reservation_id uuid not null unique,
          payment_id text,
          reservation_expires_at timestamptz,
          state text not null check (state in ('running', 'compensating', 'completed', 'compensated')),
          step text not null,
          failure_reason text,
          failure_step text,
          failure_detail jsonb,
          attempts integer not null default 0 check (attempts >= 0),
          last_error text,
          last_error_at timestamptz,
          next_attempt_at timestamptz,
          lease_owner text,
          lease_token text,
          lease_until timestamptz,
          answer_status integer,
          answer_body json,
          version integer not null check (version >= 1),
          created_at timestamptz not null,
          updated_at timestamptz not null,
          finished_at timestamptz,
          check ((state = 'compensating' or state = 'compensated') = (failure_reason is not null))
        )`.execute(db);
      // One active saga per (user, key): the claim of an Idempotency-Key is this index.
      await sql`create unique index checkout_saga_key on checkout_saga (user_id, idempotency_key) where key_active`.execute(
        db,
      );
      // The recovery loop's scan: unfinished sagas, by when they are due.
      await sql`create index checkout_saga_unfinished on checkout_saga (next_attempt_at, created_at) where state in ('running', 'compensating')`.execute(
        db,
      );
      await sql`create index checkout_saga_user on checkout_saga (user_id, created_at desc)`.execute(db);
      await sql`
        create table checkout_saga_step (
          saga_id uuid not null references checkout_saga (id),
          seq integer not null,
          step text not null,
          outcome text not null,
          attempt integer not null,
          error text,
          duration_ms integer not null,
          instance text not null,
          at timestamptz not null,
          primary key (saga_id, seq)
        )`.execute(db);
    },
  },
  '0002_checkout_saga_traceparent': {
    async up(db) {
      // A saga resumed after a crash continues the trace of the checkout that started it.
      await sql`alter table checkout_saga add column traceparent text`.execute(db);
    },
  },
};
