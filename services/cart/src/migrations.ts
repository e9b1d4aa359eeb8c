import { sql } from 'kysely';
import type { Migration } from '@opsloop/store';

/**
 * The cart service's schema migrations, applied at start-up by `Database.migrate`. Never edit an applied
 * one: add a new entry whose name sorts after the others.
 */
export const cartMigrations: Record<string, Migration> = {
  '0001_cart_lines': {
    async up(db) {
      await db.schema
        .createTable('cart')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('cleared_from_version', 'bigint')
        .addCheckConstraint('cart_version_not_negative', sql`version >= 0`)
        .execute();
      // The sweeper's scan: oldest carts first.
      await sql`create index cart_updated_at on cart (updated_at)`.execute(db);
      await db.schema
        .createTable('cart_line')
        .addColumn('user_id', 'text', (c) => c.notNull().references('cart.user_id').onDelete('cascade'))
        .addColumn('product_id', 'uuid', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('added_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('cart_line_pk', ['user_id', 'product_id'])
        .addCheckConstraint('cart_line_quantity_range', sql`quantity between 1 and 99`)
        .execute();
    },
  },
};
