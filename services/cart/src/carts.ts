import type { Transaction } from 'kysely';
import type { Database } from '@opsloop/store';
import type { CartMetrics } from './cart-metrics.js';
import type { CartTables } from './tables.js';

/** Most distinct products in one cart. */
export const MAX_CART_LINES = 50;
/** Largest quantity of one line. */
export const MAX_LINE_QUANTITY = 99;
/** Longest user id. */
export const MAX_USER_ID_LENGTH = 128;
/** Most expired carts one sweep deletes (the next sweep takes the rest). */
export const SWEEP_BATCH = 500;

/** A product and how many of it. */
export interface CartEntry {
  productId: string;
  quantity: number;
}

/** A cart as stored (unpriced). */
export interface StoredCart {
  userId: string;
  /** Incremented by every change; 0 for a cart never changed (or swept after it expired). */
  version: number;
  /** In the order they were first added. Empty once the cart has expired. */
  lines: CartEntry[];
  /** The last change, or null when there is none. */
  updatedAt: Date | null;
  /** When the cart expires unless it changes again, or null when it holds nothing. */
  expiresAt: Date | null;
}

/** What {@link Carts.setQuantity} did. */
export type SetQuantityResult =
  | { outcome: 'updated'; cart: StoredCart }
  /** The product is new and the cart already has {@link MAX_CART_LINES} lines: nothing changed. */
  | { outcome: 'too-many-lines'; cart: StoredCart };

/** Who empties a cart with {@link Carts.clear}: the shopper, or the checkout saga once the order is paid. */
export type ClearedBy = 'shopper' | 'checkout';

/** What {@link Carts.clear} did. */
export type ClearResult =
  /** The cart is empty now (it may have been already). */
  | { outcome: 'cleared'; cart: StoredCart }
  /** A clear from `ifVersion` had already emptied it (a retry); the cart is left as it is now. */
  | { outcome: 'already-cleared'; cart: StoredCart }
  /** The cart changed since `ifVersion`: nothing was removed. */
  | { outcome: 'version-mismatch'; cart: StoredCart };

/**
 * The carts: one per user, lines of products and quantities, an optimistic `version` that every change
 * increments, and expiry after `ttlMs` without a change (an expired cart reads as empty; the sweeper deletes
 * it). Changes of one cart are serialised by a lock on its row.
 */
export interface Carts {
  get(userId: string): Promise<StoredCart>;
  /** Puts `quantity` (1–99) of a product in the cart, replacing the line's quantity if it is there. */
  setQuantity(userId: string, productId: string, quantity: number): Promise<SetQuantityResult>;
  /** Removes a product's line (nothing changes when it is not there). */
  removeLine(userId: string, productId: string): Promise<StoredCart>;
  /**
   * Empties the cart. With `ifVersion` (not 0) only if the cart is still at that version, so a clear after
   * checkout never drops what was added while the checkout ran; a retried clear of the same version is
   * `already-cleared`. `by` (default `shopper`) tells the metrics whether the cart was checked out.
   */
  clear(userId: string, ifVersion?: number, by?: ClearedBy): Promise<ClearResult>;
  /** Deletes up to {@link SWEEP_BATCH} expired carts; resolves with how many. */
  sweepExpired(): Promise<number>;
}

/** Raised for input callers should have validated (a programming error, not a result). */
export class InvalidCartInput extends RangeError {
  override readonly name = 'InvalidCartInput';
}

/** Options of {@link createCarts}. */
export interface CartsOptions {
  database: Database<CartTables>;
  /** How long a cart lives after its last change, in ms. */
  ttlMs: number;
  /** The current time in ms since the epoch; tests inject a clock. */
  now: () => number;
  /** Told when carts start and end, once the change committed (none by default). */
  metrics?: CartMetrics;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function userIdOf(value: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_USER_ID_LENGTH)
    throw new InvalidCartInput(`userId must have 1 to ${MAX_USER_ID_LENGTH} characters`);
  return value;
}

function productIdOf(value: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!UUID.test(lower)) throw new InvalidCartInput('productId must be a UUID');
  return lower;
}

function quantityOf(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_LINE_QUANTITY)
    throw new InvalidCartInput(`quantity must be an integer from 1 to ${MAX_LINE_QUANTITY}`);
  return value;
}

type Trx = Transaction<CartTables>;

interface CartRow {
  version: number;
  updated_at: Date;
  cleared_from_version: number | null;
}

/** Creates the carts over the service's database. */
export function createCarts(options: CartsOptions): Carts {
  const { database, ttlMs, metrics } = options;
  const isExpired = (row: CartRow, at: number) => row.updated_at.getTime() + ttlMs <= at;

  async function linesOf(trx: Trx, userId: string): Promise<CartEntry[]> {
    const rows = await trx
      .selectFrom('cart_line')
      .select(['product_id', 'quantity'])
      .where('user_id', '=', userId)
      .orderBy('added_at')
      .orderBy('product_id')
      .execute();
    return rows.map((row) => ({ productId: row.product_id, quantity: row.quantity }));
  }

  /** The cart as a reader sees it at `at`: an expired cart has no lines. */
  async function view(trx: Trx, userId: string, row: CartRow | undefined, at: number): Promise<StoredCart> {
    if (row === undefined) return { userId, version: 0, lines: [], updatedAt: null, expiresAt: null };
    const expired = isExpired(row, at);
    const lines = expired ? [] : await linesOf(trx, userId);
    return {
      userId,
      version: Number(row.version),
      lines,
      updatedAt: row.updated_at,
      expiresAt: lines.length === 0 ? null : new Date(row.updated_at.getTime() + ttlMs),
    };
  }

  const lockedRow = (trx: Trx, userId: string): Promise<CartRow | undefined> =>
    trx
      .selectFrom('cart')
      .select(['version', 'updated_at', 'cleared_from_version'])
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();

  async function bump(trx: Trx, userId: string, at: Date, clearedFrom?: number): Promise<CartRow> {
    return trx
      .updateTable('cart')
      .set((eb) => ({
        version: eb('version', '+', 1),
        updated_at: at,
        ...(clearedFrom === undefined ? {} : { cleared_from_version: clearedFrom }),
      }))
      .where('user_id', '=', userId)
      .returning(['version', 'updated_at', 'cleared_from_version'])
      .executeTakeFirstOrThrow();
  }

  return {
    async get(userIdInput) {
      const userId = userIdOf(userIdInput);
      const at = options.now();
      return database.transaction(async (trx) => {
        const row = await trx
          .selectFrom('cart')
          .select(['version', 'updated_at', 'cleared_from_version'])
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return view(trx, userId, row, at);
      });
    },

    async setQuantity(userIdInput, productIdInput, quantityInput) {
      const userId = userIdOf(userIdInput);
      const productId = productIdOf(productIdInput);
      const quantity = quantityOf(quantityInput);
      const at = options.now();
      // Set by the last run of the transaction (a serialization failure runs it again).
      let abandoned = false;
      let started = false;
      const result = await database.transaction(async (trx): Promise<SetQuantityResult> => {
        abandoned = false;
        started = false;
        // Creates the cart on its first change; on an existing one the no-op update takes the row lock, so
        // that the changes of one cart (and the sweeper) run one after another.
        const row = await trx
          .insertInto('cart')
          .values({ user_id: userId, version: 0, updated_at: new Date(at), cleared_from_version: null })
          .onConflict((oc) =>
            oc.column('user_id').doUpdateSet((eb) => ({ user_id: eb.ref('excluded.user_id') })),
          )
          .returning(['version', 'updated_at', 'cleared_from_version'])
          .executeTakeFirstOrThrow();
        // An expired cart's lines are gone for the shopper: delete them before the change.
        if (isExpired(row, at)) {
          const deleted = await trx.deleteFrom('cart_line').where('user_id', '=', userId).executeTakeFirst();
          abandoned = deleted.numDeletedRows > 0n;
        }
        const lines = await linesOf(trx, userId);
        const existing = lines.find((line) => line.productId === productId);
        if (existing?.quantity === quantity)
          return { outcome: 'updated', cart: await view(trx, userId, row, at) };
        if (existing === undefined && lines.length >= MAX_CART_LINES)
          return { outcome: 'too-many-lines', cart: await view(trx, userId, row, at) };
        await trx
          .insertInto('cart_line')
          .values({ user_id: userId, product_id: productId, quantity, added_at: new Date(at) })
          .onConflict((oc) => oc.columns(['user_id', 'product_id']).doUpdateSet({ quantity }))
          .execute();
        started = lines.length === 0;
        const bumped = await bump(trx, userId, new Date(at));
        return { outcome: 'updated', cart: await view(trx, userId, bumped, at) };
      });
      if (abandoned) metrics?.ended('abandoned');
      if (started) metrics?.started();
      return result;
    },

    async removeLine(userIdInput, productIdInput) {
      const userId = userIdOf(userIdInput);
      const productId = productIdOf(productIdInput);
      const at = options.now();
      let emptied = false;
      const cart = await database.transaction(async (trx) => {
        emptied = false;
        const row = await lockedRow(trx, userId);
        if (row === undefined || isExpired(row, at)) return view(trx, userId, row, at);
        const removed = await trx
          .deleteFrom('cart_line')
          .where('user_id', '=', userId)
          .where('product_id', '=', productId)
          .returning('product_id')
          .executeTakeFirst();
        if (removed === undefined) return view(trx, userId, row, at);
        const changed = await view(trx, userId, await bump(trx, userId, new Date(at)), at);
        emptied = changed.lines.length === 0;
        return changed;
      });
      if (emptied) metrics?.ended('emptied');
      return cart;
    },

    async clear(userIdInput, ifVersion, by = 'shopper') {
      const userId = userIdOf(userIdInput);
      if (ifVersion !== undefined && (!Number.isSafeInteger(ifVersion) || ifVersion < 0))
        throw new InvalidCartInput('ifVersion must be a non-negative integer');
      const at = options.now();
      const conditional = ifVersion !== undefined && ifVersion !== 0;
      let ended = false;
      const result = await database.transaction(async (trx): Promise<ClearResult> => {
        ended = false;
        const row = await lockedRow(trx, userId);
        const version = row === undefined ? 0 : Number(row.version);
        if (conditional && version !== ifVersion) {
          const cart = await view(trx, userId, row, at);
          const retried = row?.cleared_from_version != null && Number(row.cleared_from_version) === ifVersion;
          return { outcome: retried ? 'already-cleared' : 'version-mismatch', cart };
        }
        if (row === undefined || isExpired(row, at))
          return { outcome: 'cleared', cart: await view(trx, userId, row, at) };
        const removed = await trx
          .deleteFrom('cart_line')
          .where('user_id', '=', userId)
          .returning('product_id')
          .execute();
        if (removed.length === 0) return { outcome: 'cleared', cart: await view(trx, userId, row, at) };
        ended = true;
        const bumped = await bump(trx, userId, new Date(at), version);
        return { outcome: 'cleared', cart: await view(trx, userId, bumped, at) };
      });
      if (ended) metrics?.ended(by === 'checkout' ? 'checked_out' : 'emptied');
      return result;
    },

    async sweepExpired() {
      const cutoff = new Date(options.now() - ttlMs);
      const swept = await database.transaction(async (trx) => {
        // Carts being changed right now are skipped (locked); they are not expired after that change anyway.
        const expired = await trx
          .selectFrom('cart')
          .select('user_id')
          .where('updated_at', '<=', cutoff)
          .orderBy('updated_at')
          .limit(SWEEP_BATCH)
          .forUpdate()
          .skipLocked()
          .execute();
        if (expired.length === 0) return { deleted: 0, withLines: 0 };
        const ids = expired.map((row) => row.user_id);
        // Locked above, so their lines cannot change before the delete: an expired cart with lines was
        // abandoned (a checked-out or emptied one has none).
        const withLines = await trx
          .selectFrom('cart_line')
          .select((eb) => eb.fn.count<number>('user_id').distinct().as('carts'))
          .where('user_id', 'in', ids)
          .executeTakeFirstOrThrow();
        const deleted = await trx
          .deleteFrom('cart')
          .where('user_id', 'in', ids)
          .where('updated_at', '<=', cutoff)
          .returning('user_id')
          .execute();
        return { deleted: deleted.length, withLines: Number(withLines.carts) };
      });
      metrics?.ended('abandoned', swept.withLines);
      return swept.deleted;
    },
  };
}
