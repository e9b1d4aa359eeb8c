import { sql } from 'kysely';
import type { Migration } from '@opsloop/store';

/**
 * The inventory's schema migrations, applied at start-up by `Database.migrate`. Never edit an applied one:
 * add a new entry whose name sorts after the others.
 */
export const inventoryMigrations: Record<string, Migration> = {
  '0001_stock_and_reservations': {
    async up(db) {
      await db.schema
        .createTable('stock')
        .addColumn('product_id', 'uuid', (c) => c.primaryKey())
        .addColumn('on_hand', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addCheckConstraint('stock_on_hand_not_negative', sql`on_hand >= 0`)
        .addCheckConstraint('stock_reserved_not_negative', sql`reserved >= 0`)
        .addCheckConstraint('stock_reserved_within_on_hand', sql`reserved <= on_hand`)
        .execute();
      await db.schema
        .createTable('reservation')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('committed_at', 'timestamptz')
        .addColumn('released_at', 'timestamptz')
        .addColumn('expired_at', 'timestamptz')
        .addCheckConstraint(
          'reservation_state_valid',
          sql`state in ('held', 'committed', 'released', 'expired')`,
        )
        .execute();
      // The sweeper's query: held reservations by expiry.
      await sql`create index reservation_held_expiry on reservation (expires_at) where state = 'held'`.execute(
        db,
      );
      await db.schema
        .createTable('reservation_line')
        .addColumn('reservation_id', 'uuid', (c) => c.notNull().references('reservation.id'))
        .addColumn('product_id', 'uuid', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('reservation_line_pk', ['reservation_id', 'product_id'])
        .addCheckConstraint('reservation_line_quantity_positive', sql`quantity > 0`)
        .execute();
    },
  },
};
