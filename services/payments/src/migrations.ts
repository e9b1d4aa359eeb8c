import { sql } from 'kysely';
import type { Migration } from '@opsloop/store';

/**
 * The payments' schema migrations, applied at start-up by `Database.migrate`. Never edit an applied one:
 * add a new entry whose name sorts after the others.
 */
export const paymentsMigrations: Record<string, Migration> = {
  '0001_payment_and_idempotency': {
    async up(db) {
      await db.schema
        .createTable('payment')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('order_id', 'uuid', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider_reference', 'text')
        .addColumn('decline_reason', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addCheckConstraint('payment_amount_positive', sql`amount_minor > 0`)
        .addCheckConstraint('payment_currency_iso', sql`currency ~ '^[A-Z]{3}$'`)
        .addCheckConstraint(
          'payment_status_valid',
          sql`status in ('authorized', 'declined', 'captured', 'voided', 'refunded')`,
        )
        .execute();
      await db.schema.createIndex('payment_order').on('payment').column('order_id').execute();
      await db.schema
        .createTable('idempotency')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('claim_token', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('payment_id', 'uuid')
        .addColumn('completed_at', 'timestamptz')
        .addCheckConstraint('idempotency_state_valid', sql`state in ('in-progress', 'done')`)
        .addCheckConstraint(
          'idempotency_done_has_answer',
          sql`(state = 'done') = (answer is not null and completed_at is not null)`,
        )
        .execute();
    },
  },
  '0002_idempotency_claimed_by': {
    // The replica holding a claim: a replica restarted under the same name releases what its predecessor
    // left in progress (that process is dead), instead of making retries wait until the claim is stale.
    async up(db) {
      await db.schema.alterTable('idempotency').addColumn('claimed_by', 'text').execute();
    },
  },
  '0003_payment_provider': {
    // The card provider that authorized a payment: its capture, void and refund must go to that one, whatever
    // provider new authorizations use now (failover). Rows from before failover existed were all primary's.
    async up(db) {
      await db.schema
        .alterTable('payment')
        .addColumn('provider', 'text', (c) => c.notNull().defaultTo('primary'))
        .execute();
    },
  },
};
