import { randomUUID } from 'node:crypto';
import type { Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarts, MAX_CART_LINES, type Carts, type StoredCart } from '../src/carts.js';
import { cartMigrations } from '../src/migrations.js';
import type { CartTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface CartBackend {
  open(): Promise<Database<CartTables>>;
  dispose(database: Database<CartTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');
const DAY = 86_400_000;
const TTL = 7 * DAY;

/**
 * The carts domain on one database backend. Every test works on its own random user ids, so the tests share
 * one migrated database.
 */
export function describeCartsDomain(name: string, backend: CartBackend): void {
  describe(`carts domain on ${name}`, () => {
    let database: Database<CartTables> | undefined;
    let setupFailure: Error | undefined;

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(cartMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    const db = (): Database<CartTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    /** Carts over a clock the test moves (1 ms per reading, so lines have an order). */
    function domain(start = START) {
      let now = start;
      const carts = createCarts({ database: db(), ttlMs: TTL, now: () => now++ });
      return { carts, advance: (ms: number) => void (now += ms), now: () => now };
    }
    const user = () => `user-${randomUUID()}`;
    const updated = async (result: ReturnType<Carts['setQuantity']>): Promise<StoredCart> => {
      const r = await result;
      if (r.outcome !== 'updated') throw new Error(`expected updated, got ${r.outcome}`);
      return r.cart;
    };

    it('a user without a cart has an empty one at version 0', async () => {
      const { carts } = domain();
      const userId = user();
      expect(await carts.get(userId)).toEqual({
        userId,
        version: 0,
        lines: [],
        updatedAt: null,
        expiresAt: null,
      });
    });

    it('sets quantities (replacing, not adding), keeps lines in the order added, and bumps the version per change', async () => {
      const { carts } = domain();
      const userId = user();
      const [a, b] = [randomUUID(), randomUUID()];
      let cart = await updated(carts.setQuantity(userId, a, 2));
      expect(cart).toMatchObject({ version: 1, lines: [{ productId: a, quantity: 2 }] });
      expect(cart.expiresAt?.getTime()).toBe((cart.updatedAt?.getTime() ?? 0) + TTL);
      cart = await updated(carts.setQuantity(userId, b.toUpperCase(), 1));
      cart = await updated(carts.setQuantity(userId, a, 5));
      expect(cart.version).toBe(3);
      expect(cart.lines).toEqual([
        { productId: a, quantity: 5 },
        { productId: b, quantity: 1 },
      ]);
      // The same quantity again is not a change.
      expect((await updated(carts.setQuantity(userId, a, 5))).version).toBe(3);
      cart = await carts.removeLine(userId, a);
      expect(cart).toMatchObject({ version: 4, lines: [{ productId: b, quantity: 1 }] });
      // Removing what is not there changes nothing.
      expect((await carts.removeLine(userId, a)).version).toBe(4);
      expect((await carts.removeLine(user(), a)).version).toBe(0);
      expect(await carts.get(userId)).toEqual(cart);
    });

    it(`holds at most ${MAX_CART_LINES} distinct products`, async () => {
      const { carts } = domain();
      const userId = user();
      const products = Array.from({ length: MAX_CART_LINES }, () => randomUUID());
      for (const productId of products) await updated(carts.setQuantity(userId, productId, 1));
      const full = await carts.setQuantity(userId, randomUUID(), 1);
      expect(full.outcome).toBe('too-many-lines');
      expect(full.cart.lines).toHaveLength(MAX_CART_LINES);
      expect(full.cart.version).toBe(MAX_CART_LINES);
      // Changing a product already there is still fine.
      expect((await updated(carts.setQuantity(userId, products[0]!, 99))).lines[0]).toEqual({
        productId: products[0],
        quantity: 99,
      });
    });

    it('concurrent changes of one cart are serialised: every change counts once', async () => {
      const { carts } = domain();
      const userId = user();
      const products = Array.from({ length: 12 }, () => randomUUID());
      await Promise.all(products.map((productId) => carts.setQuantity(userId, productId, 3)));
      const cart = await carts.get(userId);
      expect(cart.version).toBe(12);
      expect(cart.lines.map((l) => l.productId).sort()).toEqual([...products].sort());
    });

    it('clear(ifVersion) empties a cart still at that version, once; a retry is already-cleared', async () => {
      const { carts } = domain();
      const userId = user();
      await updated(carts.setQuantity(userId, randomUUID(), 1));
      const atCheckout = await updated(carts.setQuantity(userId, randomUUID(), 2));
      const cleared = await carts.clear(userId, atCheckout.version);
      expect(cleared).toMatchObject({ outcome: 'cleared', cart: { version: 3, lines: [] } });
      const retried = await carts.clear(userId, atCheckout.version);
      expect(retried).toMatchObject({ outcome: 'already-cleared', cart: { version: 3, lines: [] } });
      // Even after the shopper added something new, the retry is recognised and removes nothing.
      const later = randomUUID();
      await updated(carts.setQuantity(userId, later, 1));
      const afterMore = await carts.clear(userId, atCheckout.version);
      expect(afterMore).toMatchObject({
        outcome: 'already-cleared',
        cart: { version: 4, lines: [{ productId: later }] },
      });
    });

    it('clear(ifVersion) never drops an item added during checkout', async () => {
      const { carts } = domain();
      const userId = user();
      const checkedOut = await updated(carts.setQuantity(userId, randomUUID(), 1));
      const added = randomUUID();
      await updated(carts.setQuantity(userId, added, 1));
      const result = await carts.clear(userId, checkedOut.version);
      expect(result.outcome).toBe('version-mismatch');
      expect(result.cart.version).toBe(2);
      expect(result.cart.lines).toHaveLength(2);
      expect((await carts.get(userId)).lines.map((l) => l.productId)).toContain(added);
      // A mismatch against a cart that does not exist.
      expect((await carts.clear(user(), 7)).outcome).toBe('version-mismatch');
    });

    it('clear() without a version (or 0) empties whatever is there; an empty cart is not changed', async () => {
      const { carts } = domain();
      const userId = user();
      await updated(carts.setQuantity(userId, randomUUID(), 1));
      await updated(carts.setQuantity(userId, randomUUID(), 1));
      expect(await carts.clear(userId)).toMatchObject({
        outcome: 'cleared',
        cart: { version: 3, lines: [] },
      });
      expect(await carts.clear(userId, 0)).toMatchObject({ outcome: 'cleared', cart: { version: 3 } });
      expect(await carts.clear(user())).toMatchObject({ outcome: 'cleared', cart: { version: 0 } });
    });

    it('a cart expires after the TTL without a change: it reads as empty, and the next change starts afresh', async () => {
      const { carts, advance } = domain();
      const userId = user();
      const old = randomUUID();
      await updated(carts.setQuantity(userId, old, 4));
      advance(TTL - 10);
      expect((await carts.get(userId)).lines).toHaveLength(1);
      advance(10);
      const expired = await carts.get(userId);
      expect(expired).toMatchObject({ version: 1, lines: [], expiresAt: null });
      // Removing from or clearing an expired cart changes nothing.
      expect((await carts.removeLine(userId, old)).version).toBe(1);
      expect((await carts.clear(userId)).cart.version).toBe(1);
      const fresh = randomUUID();
      const cart = await updated(carts.setQuantity(userId, fresh, 1));
      expect(cart).toMatchObject({ version: 2, lines: [{ productId: fresh, quantity: 1 }] });
    });

    it('the sweeper deletes expired carts only', async () => {
      const { carts, advance } = domain(START + 100 * DAY);
      const stale = user();
      const fresh = user();
      await updated(carts.setQuantity(stale, randomUUID(), 1));
      advance(TTL - DAY);
      await updated(carts.setQuantity(fresh, randomUUID(), 1));
      advance(DAY);
      const before = await db()
        .db.selectFrom('cart')
        .select('user_id')
        .where('user_id', 'in', [stale, fresh])
        .execute();
      expect(before).toHaveLength(2);
      expect(await carts.sweepExpired()).toBeGreaterThanOrEqual(1);
      const after = await db()
        .db.selectFrom('cart')
        .select('user_id')
        .where('user_id', 'in', [stale, fresh])
        .execute();
      expect(after.map((r) => r.user_id)).toEqual([fresh]);
      const lines = await db()
        .db.selectFrom('cart_line')
        .select('user_id')
        .where('user_id', '=', stale)
        .execute();
      expect(lines).toHaveLength(0);
      expect(await carts.get(stale)).toMatchObject({ version: 0, lines: [] });
      expect((await carts.get(fresh)).lines).toHaveLength(1);
    });

    it('rejects invalid input by throwing (callers validate first)', async () => {
      const { carts } = domain();
      const productId = randomUUID();
      await expect(carts.setQuantity('', productId, 1)).rejects.toThrow(RangeError);
      await expect(carts.setQuantity('u'.repeat(129), productId, 1)).rejects.toThrow(RangeError);
      await expect(carts.setQuantity(user(), 'not-a-uuid', 1)).rejects.toThrow(RangeError);
      for (const quantity of [0, -1, 100, 1.5, Number.NaN])
        await expect(carts.setQuantity(user(), productId, quantity)).rejects.toThrow(RangeError);
      await expect(carts.clear(user(), -1)).rejects.toThrow(RangeError);
      await expect(carts.clear(user(), 0.5)).rejects.toThrow(RangeError);
    });
  });
}
