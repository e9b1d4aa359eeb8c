import { sql } from 'kysely';
import type { Database } from '@opsloop/store';
import type { InventoryTables } from './tables.js';

/** Database-wide stock figures for the gauges. */
export interface StockSnapshot {
  /** Reservations in state `held` (including any past their expiry the sweeper has not reached yet). */
  activeReservations: number;
  /** Units held by reservations, all products together. */
  reservedUnits: number;
  /** Products whose every unit on hand is reserved (or that have none). */
  productsUnavailable: number;
}

/**
 * Reads the figures in one statement: the held count uses the sweeper's partial index, and the stock table
 * has one row per product of the catalogue.
 */
export async function readStockSnapshot(database: Database<InventoryTables>): Promise<StockSnapshot> {
  const result = await sql<{ active: number; reserved: number; unavailable: number }>`
    select
      (select count(*) from reservation where state = 'held')::int as active,
      (select coalesce(sum(reserved), 0) from stock)::bigint as reserved,
      (select count(*) from stock where on_hand - reserved = 0)::int as unavailable`.execute(database.db);
  const row = result.rows[0];
  if (row === undefined) throw new Error('the stock snapshot returned no row');
  return {
    activeReservations: Number(row.active),
    reservedUnits: Number(row.reserved),
    productsUnavailable: Number(row.unavailable),
  };
}
