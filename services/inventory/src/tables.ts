import type { ColumnType } from 'kysely';

/** The states of a reservation: `held` until it is committed, released or expired. */
export type ReservationState = 'held' | 'committed' | 'released' | 'expired';

/** A nullable timestamp column written as a `Date` and read as a `Date` (or null). */
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

/** The inventory's Kysely table map (see `migrations.ts` for the DDL and its constraints). */
export interface InventoryTables {
  /** Stock of one product: `on_hand` physically present, `reserved` of it promised to held reservations. */
  stock: {
    product_id: string;
    on_hand: number;
    reserved: number;
    updated_at: Timestamp;
  };
  /** One reservation, identified by the caller's id (idempotency key). */
  reservation: {
    id: string;
    state: ReservationState;
    created_at: Timestamp;
    expires_at: Timestamp;
    committed_at: NullableTimestamp;
    released_at: NullableTimestamp;
    expired_at: NullableTimestamp;
  };
  /** The lines of a reservation, one per product. */
  reservation_line: {
    reservation_id: string;
    product_id: string;
    quantity: number;
  };
}
