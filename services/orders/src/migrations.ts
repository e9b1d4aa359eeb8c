import { sql } from 'kysely';
import type { Migration } from '@opsloop/store';

const STATES = sql`('pending', 'confirmed', 'paid', 'fulfilled', 'cancelled', 'failed')`;

/**
 * The orders service's schema migrations, applied at start-up by `Database.migrate`. Never edit an applied
 * one: add a new entry whose name sorts after the others.
 */
export const ordersMigrations: Record<string, Migration> = {
  '0001_orders_lines_history': {
    async up(db) {
      await db.schema
        .createTable('orders')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('total_minor', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addCheckConstraint('orders_state_valid', sql`state in ${STATES}`)
        .addCheckConstraint('orders_currency_valid', sql`currency ~ '^[A-Z]{3}$'`)
        .addCheckConstraint('orders_total_not_negative', sql`total_minor >= 0`)
        .addCheckConstraint('orders_version_positive', sql`version >= 1`)
        .execute();
      // `listByUser`'s keyset: newest first, id as the tie-breaker.
      await sql`create index orders_user_recent on orders (user_id, created_at desc, id desc)`.execute(db);
      await db.schema
        .createTable('order_line')
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id'))
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('product_id', 'uuid', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_amount_minor', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_line_pk', ['order_id', 'line_no'])
        .addCheckConstraint('order_line_no_not_negative', sql`line_no >= 0`)
        .addCheckConstraint('order_line_quantity_positive', sql`quantity > 0`)
        .addCheckConstraint('order_line_amount_not_negative', sql`unit_amount_minor >= 0`)
        .execute();
      await db.schema
        .createTable('order_history')
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        // One row per order version: two transitions from the same version can never both be recorded.
        .addPrimaryKeyConstraint('order_history_pk', ['order_id', 'version'])
        .addCheckConstraint('order_history_from_valid', sql`from_state is null or from_state in ${STATES}`)
        .addCheckConstraint('order_history_to_valid', sql`to_state in ${STATES}`)
        .execute();
    },
  },
};
