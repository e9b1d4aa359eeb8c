import type { ColumnType } from 'kysely';

/** The states of an order (see `orders.ts` for the transitions between them). */
export type OrderState = 'pending' | 'confirmed' | 'paid' | 'fulfilled' | 'cancelled' | 'failed';

/** A timestamp column written and read as a `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;

/** The orders service's Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface OrdersTables {
  /** One order, identified by the caller's id (the checkout saga's idempotency key). */
  orders: {
    id: string;
    user_id: string;
    state: OrderState;
    currency: string;
    /** Sum of the lines in minor units (`bigint`; read back as a number, far below 2^53). */
    total_minor: number;
    /** Optimistic concurrency: incremented by every applied transition. */
    version: number;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** The lines of an order, numbered from 0 in the caller's order. */
  order_line: {
    order_id: string;
    line_no: number;
    product_id: string;
    quantity: number;
    unit_amount_minor: number;
  };
  /** One row per applied state change, keyed by the order version it produced (creation is version 1). */
  order_history: {
    order_id: string;
    version: number;
    from_state: OrderState | null;
    to_state: OrderState;
    reason: string | null;
    at: Timestamp;
  };
}
