import { sql } from 'kysely';
import type { Migration } from '@opsloop/store';
import { outboxMigrations } from '@opsloop/outbox';

const TEMPLATES = sql`('welcome', 'order-placed', 'order-cancelled', 'payment-failed')`;

/**
 * The notifications service's schema migrations (the outbox/inbox tables first), applied at start-up by
 * `Database.migrate`. Never edit an applied one: add a new entry whose name sorts after the others.
 */
export const notificationsMigrations: Record<string, Migration> = {
  ...outboxMigrations,
  '0001_mail_recipient': {
    async up(db) {
      await db.schema
        .createTable('mail')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().unique())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('to_user_id', 'text', (c) => c.notNull())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('delivered_at', 'timestamptz')
        .addCheckConstraint('mail_template_valid', sql`template in ${TEMPLATES}`)
        .execute();
      // The operators' listing: newest first, id as the tie-breaker; all mail, or one user's.
      await sql`create index mail_recent on mail (created_at desc, id desc)`.execute(db);
      await sql`create index mail_user_recent on mail (to_user_id, created_at desc, id desc)`.execute(db);
      // The deliverer's queue: only undelivered rows, oldest first.
      await sql`create index mail_pending on mail (created_at, id) where delivered_at is null`.execute(db);
      await db.schema
        .createTable('recipient')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
  },
};
