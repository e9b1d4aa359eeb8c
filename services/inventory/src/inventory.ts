import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database } from '@opsloop/store';
import type { ReservationMetrics, ReservationOutcome } from './reservation-metrics.js';
import type { InventoryTables, ReservationState } from './tables.js';

/** Largest stock a product may have, so that sums stay far inside PostgreSQL's `integer`. */
export const MAX_ON_HAND = 1_000_000_000;
/** Largest quantity of one reservation line. */
export const MAX_LINE_QUANTITY = 1_000_000;
/** Most lines one reservation may have. */
export const MAX_RESERVATION_LINES = 100;
/** Longest time-to-live of a reservation (24 h). */
export const MAX_RESERVATION_TTL_MS = 86_400_000;

/** The stock of one product. `available` = `onHand` − `reserved`. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** One line of a reservation. */
export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** A reservation with its lines (sorted by product id) and the timestamps of its state changes. */
export interface Reservation {
  reservationId: string;
  state: ReservationState;
  lines: ReservationLine[];
  createdAt: Date;
  expiresAt: Date;
  committedAt: Date | null;
  releasedAt: Date | null;
  expiredAt: Date | null;
}

/** A product a reservation could not get enough of. */
export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

/** Input of {@link Inventory.reserve}. */
export interface ReserveInput {
  /** The caller's id for this reservation; also its idempotency key. */
  reservationId: string;
  /** One line per product (no duplicates), 1 to {@link MAX_RESERVATION_LINES} lines. */
  lines: readonly ReservationLine[];
  /** How long the stock is held before the sweeper returns it. */
  ttlMs: number;
}

/** What {@link Inventory.reserve} did. */
export type ReserveResult =
  /** A new reservation now holds the stock. */
  | { outcome: 'held'; reservation: Reservation }
  /** The id was already used with the same lines: that reservation, in whatever state it is now. */
  | { outcome: 'replayed'; reservation: Reservation }
  /** The id was already used with different lines; nothing changed. */
  | { outcome: 'conflict'; reservation: Reservation }
  /** Some products are short; nothing was reserved (all or nothing) and the id stays unused. */
  | { outcome: 'out-of-stock'; shortages: Shortage[] };

/** What {@link Inventory.commit} did. */
export type CommitResult =
  /** The stock left: committed now, or already committed before (`replayed`). */
  | { outcome: 'committed'; reservation: Reservation; replayed: boolean }
  | { outcome: 'not-found' }
  /** Released or expired (possibly just now, because its time was up): it cannot be committed. */
  | { outcome: 'not-held'; reservation: Reservation };

/** What {@link Inventory.release} did. */
export type ReleaseResult =
  /** The stock is back: released now, or already released or expired before (`replayed`). */
  | { outcome: 'released'; reservation: Reservation; replayed: boolean }
  | { outcome: 'not-found' }
  /** Already committed: the stock has left, there is nothing to release. */
  | { outcome: 'not-held'; reservation: Reservation };

/** What {@link Inventory.setStock} did. */
export type SetStockResult =
  | { outcome: 'set'; stock: StockLevel }
  /** Refused: more than the requested quantity is reserved. `stock` is unchanged. */
  | { outcome: 'below-reserved'; stock: StockLevel };

/** Options of {@link createInventory}. */
export interface InventoryOptions {
  database: Database<InventoryTables>;
  /** The current time in milliseconds since the epoch (`Date.now` by default); tests inject a clock. */
  now?: () => number;
  /** Told what each reservation operation did, once its transaction committed (none by default). */
  metrics?: ReservationMetrics;
}

/**
 * The inventory domain: stock levels and reservations. Every operation is one transaction; stock rows are
 * locked in product-id order (so concurrent reservations never deadlock) and changed by conditional
 * updates, and the table's CHECK constraints keep `0 ≤ reserved ≤ on_hand` whatever the concurrency.
 */
export interface Inventory {
  /** The stock of a product, or undefined when it has no stock record. */
  getStock(productId: string): Promise<StockLevel | undefined>;
  /** Sets the quantity on hand (admin); refuses to go below what is reserved. */
  setStock(productId: string, onHand: number): Promise<SetStockResult>;
  /** Reserves every line or none; idempotent by `reservationId`. */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /** Lets the reserved stock leave (`on_hand` and `reserved` both drop); idempotent. */
  commit(reservationId: string): Promise<CommitResult>;
  /** Returns the reserved stock; idempotent. */
  release(reservationId: string): Promise<ReleaseResult>;
  /** A reservation, or undefined. */
  getReservation(reservationId: string): Promise<Reservation | undefined>;
  /** Expires every held reservation whose time is up, returning its stock; resolves to how many expired. */
  expireDue(): Promise<number>;
  /** Inserts `entries` when the stock table is empty; resolves to how many rows were inserted. */
  seedIfEmpty(entries: readonly { productId: string; onHand: number }[]): Promise<number>;
}

/** Raised by the domain for input its callers should have validated (a programming error, not a result). */
export class InvalidInventoryInput extends RangeError {
  override readonly name = 'InvalidInventoryInput';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EXPIRE_BATCH = 100;
/** Bounds one `expireDue` call (the next sweep picks up the rest). */
const EXPIRE_MAX_BATCHES = 50;

type Trx = Transaction<InventoryTables>;

function uuid(value: string, what: string): string {
  const lower = value.toLowerCase();
  if (!UUID.test(lower)) throw new InvalidInventoryInput(`${what} must be a UUID`);
  return lower;
}

function integerIn(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidInventoryInput(`${what} must be an integer from ${min} to ${max}`);
  return value;
}

function normaliseLines(lines: readonly ReservationLine[]): ReservationLine[] {
  integerIn(lines.length, 1, MAX_RESERVATION_LINES, 'the number of lines');
  const normalised = lines
    .map((line) => ({
      productId: uuid(line.productId, 'productId'),
      quantity: integerIn(line.quantity, 1, MAX_LINE_QUANTITY, 'quantity'),
    }))
    .sort(byProduct);
  for (let i = 1; i < normalised.length; i++)
    if (normalised[i]?.productId === normalised[i - 1]?.productId)
      throw new InvalidInventoryInput('each product may appear on one line only');
  return normalised;
}

// UUIDs in lower case sort the same as PostgreSQL's uuid order, the order rows are locked in.
function byProduct(a: { productId: string }, b: { productId: string }): number {
  return a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0;
}

function sameLines(a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}

function toStock(row: { product_id: string; on_hand: number; reserved: number }): StockLevel {
  return {
    productId: row.product_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
  };
}

/** Carries an out-of-stock answer out of the transaction, so that the reservation insert is rolled back. */
class OutOfStock extends Error {
  constructor(readonly shortages: Shortage[]) {
    super('out of stock');
  }
}

async function loadReservation(trx: Trx, id: string, lock = false): Promise<Reservation | undefined> {
  // The row and its lines in one statement (`for update of r` locks the reservation row only).
  const result = await sql<
    Selectable<InventoryTables['reservation']> & { lines_json: { productId: string; quantity: number }[] }
  >`
    select r.*,
      coalesce((select json_agg(json_build_object('productId', l.product_id, 'quantity', l.quantity)
          order by l.product_id)
        from reservation_line l where l.reservation_id = r.id), '[]'::json) as lines_json
    from reservation r where r.id = ${id} ${lock ? sql`for update of r` : sql``}`.execute(trx);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    reservationId: row.id,
    state: row.state,
    lines: row.lines_json.map((line) => ({ productId: line.productId, quantity: line.quantity })),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    committedAt: row.committed_at,
    releasedAt: row.released_at,
    expiredAt: row.expired_at,
  };
}

/** Gives the reserved quantities of `lines` back, in product-id order (the lock order). */
async function returnStock(trx: Trx, lines: readonly ReservationLine[], now: Date): Promise<void> {
  for (const line of lines) {
    await trx
      .updateTable('stock')
      .set((eb) => ({ reserved: eb('reserved', '-', line.quantity), updated_at: now }))
      .where('product_id', '=', line.productId)
      .execute();
  }
}

async function changeState(
  trx: Trx,
  reservation: Reservation,
  state: 'committed' | 'released' | 'expired',
  now: Date,
): Promise<Reservation> {
  const column = `${state}_at` as const;
  await trx
    .updateTable('reservation')
    .set({ state, [column]: now })
    .where('id', '=', reservation.reservationId)
    .execute();
  return { ...reservation, state, [`${state}At`]: now };
}

/** The metric outcome of each reserve result. */
const RESERVE_OUTCOMES = {
  held: 'reserved',
  replayed: 'duplicate',
  conflict: 'conflict',
  'out-of-stock': 'rejected_insufficient',
} as const satisfies Record<ReserveResult['outcome'], ReservationOutcome>;

/** The metric outcome of a commit result; `expiredNow`: this commit found it past its time and expired it. */
function commitOutcome(result: CommitResult, expiredNow: boolean): ReservationOutcome {
  if (result.outcome === 'committed') return result.replayed ? 'duplicate' : 'committed';
  if (result.outcome === 'not-found') return 'not_found';
  return expiredNow ? 'expired' : 'not_held';
}

/** The metric outcome of a release result. */
function releaseOutcome(result: ReleaseResult): ReservationOutcome {
  if (result.outcome === 'released') return result.replayed ? 'duplicate' : 'released';
  return result.outcome === 'not-found' ? 'not_found' : 'not_held';
}

/** Creates the inventory domain over the service's database. */
export function createInventory(options: InventoryOptions): Inventory {
  const { database } = options;
  const clock = options.now ?? Date.now;
  const now = () => new Date(clock());
  const metrics = options.metrics;

  /** Marks a held reservation expired and returns its stock. */
  async function expire(trx: Trx, reservation: Reservation, at: Date): Promise<Reservation> {
    await returnStock(trx, reservation.lines, at);
    return changeState(trx, reservation, 'expired', at);
  }

  /** The transaction of {@link Inventory.reserve}: all lines held, or none. */
  async function reserveIn(
    reservationId: string,
    lines: ReservationLine[],
    at: Date,
    expiresAt: Date,
  ): Promise<ReserveResult> {
    try {
      return await database.transaction(async (trx): Promise<ReserveResult> => {
        // Claims the id first: a concurrent reserve with the same id waits here until this one ends, then
        // finds it (replay) — or, if this one rolled back, claims it itself.
        // The reservation and its lines in one statement; its conflict target is the primary key.
        const lineRows = sql.join(lines.map((line) => sql`(${line.productId}::uuid, ${line.quantity}::int)`));
        const claimed = await sql<{ id: string }>`
          with r as (
            insert into reservation (id, state, created_at, expires_at)
            values (${reservationId}, 'held', ${at}, ${expiresAt})
            on conflict (id) do nothing
            returning id
          ), l as (
            insert into reservation_line (reservation_id, product_id, quantity)
            select r.id, v.product_id, v.quantity from r
            cross join (values ${lineRows}) as v(product_id, quantity)
          )
          select id from r`.execute(trx);
        if (claimed.rows.length === 0) {
          const existing = await loadReservation(trx, reservationId);
          if (existing === undefined) throw new Error(`reservation ${reservationId} vanished`);
          return sameLines(existing.lines, lines)
            ? { outcome: 'replayed', reservation: existing }
            : { outcome: 'conflict', reservation: existing };
        }

        if (lines.length > 1) {
          // Several rows: lock them in product-id order (ORDER BY before FOR UPDATE) so that two
          // reservations of the same products never deadlock, and report every shortage at once.
          const rows = await trx
            .selectFrom('stock')
            .select(['product_id', 'on_hand', 'reserved'])
            .where(
              'product_id',
              'in',
              lines.map((line) => line.productId),
            )
            .orderBy('product_id')
            .forUpdate()
            .execute();
          const available = new Map(rows.map((row) => [row.product_id, row.on_hand - row.reserved]));
          const shortages = lines
            .map((line) => ({
              productId: line.productId,
              requested: line.quantity,
              available: available.get(line.productId) ?? 0,
            }))
            .filter((line) => line.available < line.requested);
          if (shortages.length > 0) throw new OutOfStock(shortages);
        }

        for (const line of lines) {
          // Conditional: the database, not this code, is the last word on stock (and, for one line, the
          // only check).
          const updated = await trx
            .updateTable('stock')
            .set((eb) => ({ reserved: eb('reserved', '+', line.quantity), updated_at: at }))
            .where('product_id', '=', line.productId)
            .where(sql<number>`on_hand - reserved`, '>=', line.quantity)
            .returning('product_id')
            .executeTakeFirst();
          if (updated === undefined) {
            const row = await trx
              .selectFrom('stock')
              .select(['on_hand', 'reserved'])
              .where('product_id', '=', line.productId)
              .executeTakeFirst();
            const available = row === undefined ? 0 : Math.max(0, row.on_hand - row.reserved);
            throw new OutOfStock([{ productId: line.productId, requested: line.quantity, available }]);
          }
        }
        return {
          outcome: 'held',
          reservation: {
            reservationId,
            state: 'held',
            lines,
            createdAt: at,
            expiresAt,
            committedAt: null,
            releasedAt: null,
            expiredAt: null,
          },
        };
      });
    } catch (error) {
      if (error instanceof OutOfStock) return { outcome: 'out-of-stock', shortages: error.shortages };
      throw error;
    }
  }

  return {
    async getStock(productId) {
      const row = await database.db
        .selectFrom('stock')
        .select(['product_id', 'on_hand', 'reserved'])
        .where('product_id', '=', uuid(productId, 'productId'))
        .executeTakeFirst();
      return row === undefined ? undefined : toStock(row);
    },

    async setStock(productIdInput, onHand) {
      const productId = uuid(productIdInput, 'productId');
      integerIn(onHand, 0, MAX_ON_HAND, 'onHand');
      const at = now();
      return database.transaction(async (trx): Promise<SetStockResult> => {
        const row = await trx
          .insertInto('stock')
          .values({ product_id: productId, on_hand: onHand, reserved: 0, updated_at: at })
          .onConflict((oc) =>
            oc
              .column('product_id')
              .doUpdateSet({ on_hand: onHand, updated_at: at })
              .where('stock.reserved', '<=', onHand),
          )
          .returning(['product_id', 'on_hand', 'reserved'])
          .executeTakeFirst();
        if (row !== undefined) return { outcome: 'set', stock: toStock(row) };
        const current = await trx
          .selectFrom('stock')
          .select(['product_id', 'on_hand', 'reserved'])
          .where('product_id', '=', productId)
          .executeTakeFirstOrThrow();
        return { outcome: 'below-reserved', stock: toStock(current) };
      });
    },

    async reserve(input) {
      const reservationId = uuid(input.reservationId, 'reservationId');
      const lines = normaliseLines(input.lines);
      integerIn(input.ttlMs, 1, MAX_RESERVATION_TTL_MS, 'ttlMs');
      const at = now();
      const expiresAt = new Date(at.getTime() + input.ttlMs);
      const result = await reserveIn(reservationId, lines, at, expiresAt);
      metrics?.counted('reserve', RESERVE_OUTCOMES[result.outcome]);
      return result;
    },

    async commit(reservationIdInput) {
      const reservationId = uuid(reservationIdInput, 'reservationId');
      const at = now();
      // Set by the last run of the transaction (a serialization failure runs it again).
      let expiredNow = false;
      const result = await database.transaction(async (trx): Promise<CommitResult> => {
        expiredNow = false;
        const reservation = await loadReservation(trx, reservationId, true);
        if (reservation === undefined) return { outcome: 'not-found' };
        if (reservation.state === 'committed') return { outcome: 'committed', reservation, replayed: true };
        if (reservation.state !== 'held') return { outcome: 'not-held', reservation };
        // Its time is up but the sweeper has not run yet: expire it now; it cannot be committed.
        if (reservation.expiresAt.getTime() <= at.getTime()) {
          expiredNow = true;
          return { outcome: 'not-held', reservation: await expire(trx, reservation, at) };
        }
        for (const line of reservation.lines) {
          await trx
            .updateTable('stock')
            .set((eb) => ({
              on_hand: eb('on_hand', '-', line.quantity),
              reserved: eb('reserved', '-', line.quantity),
              updated_at: at,
            }))
            .where('product_id', '=', line.productId)
            .execute();
        }
        return {
          outcome: 'committed',
          reservation: await changeState(trx, reservation, 'committed', at),
          replayed: false,
        };
      });
      metrics?.counted('commit', commitOutcome(result, expiredNow));
      return result;
    },

    async release(reservationIdInput) {
      const reservationId = uuid(reservationIdInput, 'reservationId');
      const at = now();
      const result = await database.transaction(async (trx): Promise<ReleaseResult> => {
        const reservation = await loadReservation(trx, reservationId, true);
        if (reservation === undefined) return { outcome: 'not-found' };
        if (reservation.state === 'committed') return { outcome: 'not-held', reservation };
        if (reservation.state !== 'held') return { outcome: 'released', reservation, replayed: true };
        await returnStock(trx, reservation.lines, at);
        return {
          outcome: 'released',
          reservation: await changeState(trx, reservation, 'released', at),
          replayed: false,
        };
      });
      metrics?.counted('release', releaseOutcome(result));
      return result;
    },
    async getReservation(reservationId) {
      return database.transaction((trx) => loadReservation(trx, uuid(reservationId, 'reservationId')));
    },

    async expireDue() {
      const at = now();
      let expired = 0;
      for (let batch = 0; batch < EXPIRE_MAX_BATCHES; batch++) {
        const due = await database.db
          .selectFrom('reservation')
          .select('id')
          .where('state', '=', 'held')
          .where('expires_at', '<=', at)
          .orderBy('expires_at')
          .limit(EXPIRE_BATCH)
          .execute();
        for (const { id } of due) {
          const done = await database.transaction(async (trx) => {
            // Re-read under the lock: a concurrent commit or release may have got there first.
            const reservation = await loadReservation(trx, id, true);
            if (reservation?.state !== 'held' || reservation.expiresAt.getTime() > at.getTime()) return false;
            await expire(trx, reservation, at);
            return true;
          });
          if (done) {
            expired++;
            metrics?.counted('expire', 'expired');
          }
        }
        if (due.length < EXPIRE_BATCH) break;
      }
      return expired;
    },

    async seedIfEmpty(entries) {
      const rows = entries.map((entry) => ({
        product_id: uuid(entry.productId, 'productId'),
        on_hand: integerIn(entry.onHand, 0, MAX_ON_HAND, 'onHand'),
        reserved: 0,
        updated_at: now(),
      }));
      if (rows.length === 0) return 0;
      return database.transaction(async (trx) => {
        const any = await trx.selectFrom('stock').select('product_id').limit(1).executeTakeFirst();
        if (any !== undefined) return 0;
        // Replicas starting together may both see an empty table: the loser inserts nothing.
        const inserted = await trx
          .insertInto('stock')
          .values(rows)
          .onConflict((oc) => oc.column('product_id').doNothing())
          .returning('product_id')
          .execute();
        return inserted.length;
      });
    },
  };
}
