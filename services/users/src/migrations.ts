import { sql } from 'kysely';
import { outboxMigrations } from '@opsloop/outbox';
import type { Migration } from '@opsloop/store';

/**
 * The users service's schema migrations, applied at start-up by `Database.migrate`: the outbox and inbox
 * first, then the service's own tables. Never edit an applied one: add a new entry whose name sorts after
 * the others.
 */
export const usersMigrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_users_signing_keys': {
    async up(db) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('loyalty_points', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addCheckConstraint('users_email_normalised', sql`email = lower(btrim(email)) and email <> ''`)
        .addCheckConstraint('users_points_not_negative', sql`loyalty_points >= 0`)
        .execute();
      await db.schema
        .createTable('signing_key')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
        .addColumn('private_jwk', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('activates_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
  },
};
