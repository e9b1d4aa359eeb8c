import type { ColumnType } from 'kysely';

/** A timestamp column written and read as a `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;

/** The cart service's Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface CartTables {
  /** One cart per user; created by its first change, deleted by the sweeper once expired. */
  cart: {
    /** The gateway-verified user id (the token's `sub`). */
    user_id: string;
    /** Optimistic concurrency: incremented by every change (0 for a cart never changed). */
    version: number;
    /** The last change; the cart expires `CART_TTL_SECONDS` after it. */
    updated_at: Timestamp;
    /** The version a clear emptied the cart from, so a retried ClearCart(if_version) succeeds again. */
    cleared_from_version: number | null;
  };
  /** The lines of a cart: one per product. */
  cart_line: {
    user_id: string;
    product_id: string;
    quantity: number;
    /** When the product was first put in the cart: the order of the lines. */
    added_at: Timestamp;
  };
}
