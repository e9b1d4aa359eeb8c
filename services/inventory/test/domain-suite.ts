import { randomUUID } from 'node:crypto';
import type { Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventory, type Inventory, type ReserveResult } from '../src/inventory.js';
import { inventoryMigrations } from '../src/migrations.js';
import type { InventoryTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface InventoryBackend {
  open(): Promise<Database<InventoryTables>>;
  dispose(database: Database<InventoryTables>): Promise<void>;
}

const MINUTE = 60_000;
const START = Date.parse('2030-01-01T00:00:00Z');

/** A clock the test moves by hand. */
function manualClock(start = START) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const held = (result: ReserveResult) => {
  if (result.outcome !== 'held') throw new Error(`expected held, got ${JSON.stringify(result)}`);
  return result.reservation;
};

/**
 * The inventory domain's behaviour on one database backend. Every test works on its own random product
 * ids, so the tests share one migrated database.
 */
export function describeInventoryDomain(name: string, backend: InventoryBackend): void {
  describe(`inventory domain on ${name}`, () => {
    let database: Database<InventoryTables> | undefined;
    // A failing beforeAll reports tests as skipped; an unreachable backend must fail them instead.
    let setupFailure: Error | undefined;

    beforeAll(async () => {
      try {
        database = await backend.open();
        await database.migrate(inventoryMigrations);
      } catch (error) {
        setupFailure = error instanceof Error ? error : new Error(String(error));
      }
    });

    afterAll(async () => {
      if (database !== undefined) await backend.dispose(database);
    });

    const db = (): Database<InventoryTables> => {
      if (setupFailure !== undefined) throw setupFailure;
      if (database === undefined) throw new Error('no database');
      return database;
    };

    /** A fresh domain with its own clock, and `count` products with the given stock. */
    async function setUp(...stock: number[]) {
      const clock = manualClock();
      const inventory = createInventory({ database: db(), now: clock.now });
      const products = stock.map(() => randomUUID());
      for (const [i, productId] of products.entries()) {
        const result = await inventory.setStock(productId, stock[i] ?? 0);
        expect(result.outcome).toBe('set');
      }
      return { inventory, clock, products };
    }

    const level = async (inventory: Inventory, productId: string) => {
      const stock = await inventory.getStock(productId);
      if (stock === undefined) throw new Error(`no stock for ${productId}`);
      return { onHand: stock.onHand, reserved: stock.reserved, available: stock.available };
    };

    it('sets stock, and refuses to go below what is reserved', async () => {
      const { inventory, products } = await setUp(10);
      const [p] = products as [string];
      expect(await inventory.getStock(randomUUID())).toBeUndefined();
      held(
        await inventory.reserve({
          reservationId: randomUUID(),
          lines: [{ productId: p, quantity: 4 }],
          ttlMs: MINUTE,
        }),
      );
      expect(await inventory.setStock(p, 3)).toEqual({
        outcome: 'below-reserved',
        stock: { productId: p, onHand: 10, reserved: 4, available: 6 },
      });
      expect(await inventory.setStock(p, 4)).toEqual({
        outcome: 'set',
        stock: { productId: p, onHand: 4, reserved: 4, available: 0 },
      });
      await expect(inventory.setStock(p, -1)).rejects.toThrow(/onHand/);
    });

    it('reserves, then commits: the stock leaves; commit is idempotent', async () => {
      const { inventory, clock, products } = await setUp(10, 5);
      const [a, b] = products as [string, string];
      const id = randomUUID();
      const reservation = held(
        await inventory.reserve({
          reservationId: id,
          lines: [
            { productId: b, quantity: 2 },
            { productId: a, quantity: 3 },
          ],
          ttlMs: MINUTE,
        }),
      );
      expect(reservation).toMatchObject({ reservationId: id, state: 'held', committedAt: null });
      expect(reservation.expiresAt.getTime() - reservation.createdAt.getTime()).toBe(MINUTE);
      expect(await level(inventory, a)).toEqual({ onHand: 10, reserved: 3, available: 7 });
      expect(await level(inventory, b)).toEqual({ onHand: 5, reserved: 2, available: 3 });

      clock.advance(1000);
      const committed = await inventory.commit(id);
      expect(committed).toMatchObject({ outcome: 'committed', replayed: false });
      if (committed.outcome !== 'committed') return;
      expect(committed.reservation.state).toBe('committed');
      expect(committed.reservation.committedAt?.getTime()).toBe(START + 1000);
      expect(await level(inventory, a)).toEqual({ onHand: 7, reserved: 0, available: 7 });
      expect(await level(inventory, b)).toEqual({ onHand: 3, reserved: 0, available: 3 });

      expect(await inventory.commit(id)).toMatchObject({ outcome: 'committed', replayed: true });
      expect(await level(inventory, a)).toEqual({ onHand: 7, reserved: 0, available: 7 });
      // A committed reservation cannot be released, nor expire.
      expect(await inventory.release(id)).toMatchObject({
        outcome: 'not-held',
        reservation: { state: 'committed' },
      });
      clock.advance(2 * MINUTE);
      await inventory.expireDue();
      expect((await inventory.getReservation(id))?.state).toBe('committed');
      expect(await inventory.commit(randomUUID())).toEqual({ outcome: 'not-found' });
    });

    it('releases: the stock returns; release is idempotent and a released reservation cannot be committed', async () => {
      const { inventory, products } = await setUp(4);
      const [p] = products as [string];
      const id = randomUUID();
      held(
        await inventory.reserve({ reservationId: id, lines: [{ productId: p, quantity: 4 }], ttlMs: MINUTE }),
      );
      expect(await level(inventory, p)).toEqual({ onHand: 4, reserved: 4, available: 0 });
      expect(await inventory.release(id)).toMatchObject({ outcome: 'released', replayed: false });
      expect(await level(inventory, p)).toEqual({ onHand: 4, reserved: 0, available: 4 });
      expect(await inventory.release(id)).toMatchObject({ outcome: 'released', replayed: true });
      expect(await level(inventory, p)).toEqual({ onHand: 4, reserved: 0, available: 4 });
      expect(await inventory.commit(id)).toMatchObject({
        outcome: 'not-held',
        reservation: { state: 'released' },
      });
      expect(await level(inventory, p)).toEqual({ onHand: 4, reserved: 0, available: 4 });
      const reservation = await inventory.getReservation(id);
      expect(reservation?.releasedAt?.getTime()).toBe(START);
      expect(await inventory.release(randomUUID())).toEqual({ outcome: 'not-found' });
    });

    it('replays a reservation id with the same lines; the same id with other lines is a conflict', async () => {
      const { inventory, products } = await setUp(10, 10);
      const [a, b] = products as [string, string];
      const id = randomUUID();
      const lines = [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 1 },
      ];
      const first = held(await inventory.reserve({ reservationId: id, lines, ttlMs: MINUTE }));
      // Same lines in another order (and another TTL): the same reservation, nothing reserved twice.
      const again = await inventory.reserve({
        reservationId: id,
        lines: [...lines].reverse(),
        ttlMs: 5 * MINUTE,
      });
      expect(again).toEqual({ outcome: 'replayed', reservation: first });
      expect(await level(inventory, a)).toEqual({ onHand: 10, reserved: 2, available: 8 });

      for (const other of [
        [
          { productId: a, quantity: 3 },
          { productId: b, quantity: 1 },
        ],
        [{ productId: a, quantity: 2 }],
        [...lines, { productId: randomUUID(), quantity: 1 }],
      ]) {
        const result = await inventory.reserve({ reservationId: id, lines: other, ttlMs: MINUTE });
        expect(result).toMatchObject({ outcome: 'conflict', reservation: { reservationId: id } });
      }
      expect(await level(inventory, a)).toEqual({ onHand: 10, reserved: 2, available: 8 });
      expect(await level(inventory, b)).toEqual({ onHand: 10, reserved: 1, available: 9 });

      // A replay after commit returns the committed reservation.
      await inventory.commit(id);
      expect(await inventory.reserve({ reservationId: id, lines, ttlMs: MINUTE })).toMatchObject({
        outcome: 'replayed',
        reservation: { state: 'committed' },
      });
    });

    it('is all or nothing: a shortage on one line reserves nothing and names every product short', async () => {
      const { inventory, products } = await setUp(10, 1, 0);
      const [a, b, c] = products as [string, string, string];
      const missing = randomUUID();
      const id = randomUUID();
      const result = await inventory.reserve({
        reservationId: id,
        lines: [
          { productId: a, quantity: 5 },
          { productId: b, quantity: 2 },
          { productId: c, quantity: 1 },
          { productId: missing, quantity: 1 },
        ],
        ttlMs: MINUTE,
      });
      expect(result.outcome).toBe('out-of-stock');
      if (result.outcome !== 'out-of-stock') return;
      expect([...result.shortages].sort((x, y) => x.productId.localeCompare(y.productId))).toEqual(
        [
          { productId: b, requested: 2, available: 1 },
          { productId: c, requested: 1, available: 0 },
          { productId: missing, requested: 1, available: 0 },
        ].sort((x, y) => x.productId.localeCompare(y.productId)),
      );
      expect(await level(inventory, a)).toEqual({ onHand: 10, reserved: 0, available: 10 });
      expect(await level(inventory, b)).toEqual({ onHand: 1, reserved: 0, available: 1 });
      // The id was not used: it can reserve what is there.
      expect(await inventory.getReservation(id)).toBeUndefined();
      held(
        await inventory.reserve({
          reservationId: id,
          lines: [{ productId: a, quantity: 10 }],
          ttlMs: MINUTE,
        }),
      );
      expect(await level(inventory, a)).toEqual({ onHand: 10, reserved: 10, available: 0 });
    });

    it('expires reservations past their expiry, returning their stock; commit after expiry fails', async () => {
      const { inventory, clock, products } = await setUp(10);
      const [p] = products as [string];
      const short = randomUUID();
      const long = randomUUID();
      held(
        await inventory.reserve({
          reservationId: short,
          lines: [{ productId: p, quantity: 3 }],
          ttlMs: MINUTE,
        }),
      );
      held(
        await inventory.reserve({
          reservationId: long,
          lines: [{ productId: p, quantity: 4 }],
          ttlMs: 10 * MINUTE,
        }),
      );
      expect(await level(inventory, p)).toEqual({ onHand: 10, reserved: 7, available: 3 });

      clock.advance(MINUTE - 1);
      await inventory.expireDue();
      expect((await inventory.getReservation(short))?.state).toBe('held');

      clock.advance(1);
      expect(await inventory.expireDue()).toBeGreaterThanOrEqual(1);
      const expired = await inventory.getReservation(short);
      expect(expired).toMatchObject({ state: 'expired', expiredAt: new Date(START + MINUTE) });
      expect((await inventory.getReservation(long))?.state).toBe('held');
      expect(await level(inventory, p)).toEqual({ onHand: 10, reserved: 4, available: 6 });

      expect(await inventory.commit(short)).toMatchObject({
        outcome: 'not-held',
        reservation: { state: 'expired' },
      });
      // Releasing an expired reservation succeeds (its stock is back already) and changes nothing.
      expect(await inventory.release(short)).toMatchObject({ outcome: 'released', replayed: true });
      expect(await level(inventory, p)).toEqual({ onHand: 10, reserved: 4, available: 6 });
      // A second sweep finds nothing more of these to do.
      await inventory.expireDue();
      expect(await level(inventory, p)).toEqual({ onHand: 10, reserved: 4, available: 6 });
    });

    it('refuses to commit a reservation whose time is up even before the sweeper ran, and returns its stock', async () => {
      const { inventory, clock, products } = await setUp(5);
      const [p] = products as [string];
      const id = randomUUID();
      held(
        await inventory.reserve({ reservationId: id, lines: [{ productId: p, quantity: 5 }], ttlMs: MINUTE }),
      );
      clock.advance(MINUTE);
      expect(await inventory.commit(id)).toMatchObject({
        outcome: 'not-held',
        reservation: { state: 'expired' },
      });
      expect(await level(inventory, p)).toEqual({ onHand: 5, reserved: 0, available: 5 });
      expect(await inventory.commit(id)).toMatchObject({
        outcome: 'not-held',
        reservation: { state: 'expired' },
      });
    });

    it('rejects invalid input as a programming error', async () => {
      const { inventory, products } = await setUp(5);
      const [p] = products as [string];
      const reserve = (lines: { productId: string; quantity: number }[], ttlMs = MINUTE) =>
        inventory.reserve({ reservationId: randomUUID(), lines, ttlMs });
      await expect(reserve([])).rejects.toThrow(/lines/);
      await expect(reserve([{ productId: p, quantity: 0 }])).rejects.toThrow(/quantity/);
      await expect(reserve([{ productId: p, quantity: 1.5 }])).rejects.toThrow(/quantity/);
      await expect(reserve([{ productId: 'nope', quantity: 1 }])).rejects.toThrow(/UUID/);
      await expect(
        reserve([
          { productId: p, quantity: 1 },
          { productId: p.toUpperCase(), quantity: 1 },
        ]),
      ).rejects.toThrow(/one line/);
      await expect(reserve([{ productId: p, quantity: 1 }], 0)).rejects.toThrow(/ttlMs/);
      expect(await level(inventory, p)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    });

    it('200 concurrent reservations of 1 against a stock of 50: exactly 50 held, never negative; then all commit', async () => {
      const { inventory, products } = await setUp(50);
      const [p] = products as [string];
      const ids = Array.from({ length: 200 }, () => randomUUID());
      const results = await Promise.all(
        ids.map((reservationId) =>
          inventory.reserve({ reservationId, lines: [{ productId: p, quantity: 1 }], ttlMs: MINUTE }),
        ),
      );
      const heldIds = ids.filter((_, i) => results[i]?.outcome === 'held');
      expect(heldIds).toHaveLength(50);
      expect(results.filter((r) => r.outcome === 'out-of-stock')).toHaveLength(150);
      expect(await level(inventory, p)).toEqual({ onHand: 50, reserved: 50, available: 0 });

      const commits = await Promise.all(heldIds.map((id) => inventory.commit(id)));
      expect(commits.every((c) => c.outcome === 'committed' && !c.replayed)).toBe(true);
      expect(await level(inventory, p)).toEqual({ onHand: 0, reserved: 0, available: 0 });
      const rows = await db()
        .db.selectFrom('stock')
        .select(['on_hand', 'reserved'])
        .where((eb) => eb.or([eb('on_hand', '<', 0), eb('reserved', '<', 0)]))
        .execute();
      expect(rows).toEqual([]);
    });

    it('concurrent multi-line reservations in opposite line orders neither deadlock nor oversell', async () => {
      const { inventory, products } = await setUp(30, 30);
      const [a, b] = products as [string, string];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          inventory.reserve({
            reservationId: randomUUID(),
            lines:
              i % 2 === 0
                ? [
                    { productId: a, quantity: 1 },
                    { productId: b, quantity: 1 },
                  ]
                : [
                    { productId: b, quantity: 1 },
                    { productId: a, quantity: 1 },
                  ],
            ttlMs: MINUTE,
          }),
        ),
      );
      expect(results.filter((r) => r.outcome === 'held')).toHaveLength(30);
      expect(await level(inventory, a)).toEqual({ onHand: 30, reserved: 30, available: 0 });
      expect(await level(inventory, b)).toEqual({ onHand: 30, reserved: 30, available: 0 });
    });

    it('concurrent replays of one reservation id make one reservation', async () => {
      const { inventory, products } = await setUp(100);
      const [p] = products as [string];
      const id = randomUUID();
      const lines = [{ productId: p, quantity: 3 }];
      const results = await Promise.all(
        Array.from({ length: 20 }, () => inventory.reserve({ reservationId: id, lines, ttlMs: MINUTE })),
      );
      expect(results.filter((r) => r.outcome === 'held')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(19);
      expect(await level(inventory, p)).toEqual({ onHand: 100, reserved: 3, available: 97 });

      // Concurrent commits and releases of it: exactly one wins, the stock moves once.
      const outcomes = await Promise.all([
        ...Array.from({ length: 5 }, () => inventory.commit(id)),
        ...Array.from({ length: 5 }, () => inventory.release(id)),
      ]);
      const changed = outcomes.filter(
        (o) => (o.outcome === 'committed' || o.outcome === 'released') && !o.replayed,
      );
      expect(changed).toHaveLength(1);
      const after = await level(inventory, p);
      expect([
        { onHand: 97, reserved: 0, available: 97 },
        { onHand: 100, reserved: 0, available: 100 },
      ]).toContainEqual(after);
    });

    it('concurrent sweeps, commits and releases of expired reservations return the stock exactly once', async () => {
      const { inventory, clock, products } = await setUp(10);
      const [p] = products as [string];
      const ids = Array.from({ length: 10 }, () => randomUUID());
      for (const reservationId of ids)
        held(
          await inventory.reserve({ reservationId, lines: [{ productId: p, quantity: 1 }], ttlMs: MINUTE }),
        );
      clock.advance(MINUTE);
      const outcomes = await Promise.all([
        inventory.expireDue(),
        inventory.expireDue(),
        ...ids.map((id) => inventory.commit(id)),
        ...ids.map((id) => inventory.release(id)),
      ]);
      for (const outcome of outcomes)
        if (typeof outcome !== 'number') expect(outcome.outcome).not.toBe('committed');
      expect(await level(inventory, p)).toEqual({ onHand: 10, reserved: 0, available: 10 });
      for (const id of ids)
        expect(['expired', 'released']).toContain((await inventory.getReservation(id))?.state);
    });

    it('seeds only an empty stock table', async () => {
      // The shared table already has rows from the other tests (or this one runs first and makes some).
      const { inventory } = await setUp(1);
      expect(await inventory.seedIfEmpty([{ productId: randomUUID(), onHand: 5 }])).toBe(0);
    });
  });
}
