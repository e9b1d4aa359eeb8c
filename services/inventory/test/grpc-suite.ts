import { randomUUID } from 'node:crypto';
import { rpc } from '@opsloop/contracts';
import { createService } from '@opsloop/kit';
import { Code, createRpcTestServer, rpcErrorOf as errorOf } from '@opsloop/rpc';
import { withoutClose, type Database } from '@opsloop/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryService } from '../src/app.js';
import type { InventoryTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface InventoryGrpcBackend {
  open(): Promise<Database<InventoryTables>>;
  dispose(database: Database<InventoryTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');

/** The inventory's gRPC binding, through a real client over 127.0.0.1, on one database backend. */
export function describeInventoryGrpc(name: string, backend: InventoryGrpcBackend): void {
  describe(`inventory gRPC on ${name}`, () => {
    let now = START;
    const server = createRpcTestServer(rpc.InventoryService, {
      target: 'inventory',
      open: () => backend.open(),
      create: (database) =>
        createService(
          inventoryService({
            createDatabase: () => Promise.resolve(withoutClose(database)),
            now: () => now,
            env: { LOG_LEVEL: 'silent', INVENTORY_SEED: 'none', RESERVATION_SWEEP_MS: '3600000' },
          }),
        ),
      dispose: (database) => backend.dispose(database),
    });
    beforeAll(() => server.start());
    afterAll(() => server.stop());
    const inventory = () => server.client();

    /** Products with the given stock, set through the REST API (the admin route has no gRPC twin). */
    async function products(...stock: number[]): Promise<string[]> {
      const ids = stock.map(() => randomUUID());
      for (const [i, id] of ids.entries()) {
        const res = await server.service().app.inject({
          method: 'PUT',
          url: `/api/inventory/${id}`,
          payload: { onHand: stock[i] },
        });
        expect(res.statusCode).toBe(200);
      }
      return ids;
    }

    it('reserves, reports stock and commits', async () => {
      const [p1, p2] = await products(10, 5);
      const reservationId = randomUUID();
      const reserved = await inventory().reserve({
        reservationId,
        lines: [
          { productId: p1!, quantity: 3 },
          { productId: p2!, quantity: 5 },
        ],
      });
      expect(reserved.replayed).toBe(false);
      expect(reserved.result.case).toBe('reservation');
      const reservation = reserved.result.value as rpc.Reservation;
      expect(reservation.reservationId).toBe(reservationId);
      expect(reservation.state).toBe(rpc.ReservationState.HELD);
      expect(reservation.expiresAtMs).toBe(BigInt(now + 900_000));
      expect(new Set(reservation.lines.map((l) => `${l.productId}:${l.quantity}`))).toEqual(
        new Set([`${p1}:3`, `${p2}:5`]),
      );

      const stock = await inventory().getStock({ productId: p1! });
      expect(stock).toMatchObject({
        productId: p1,
        onHand: 10,
        reserved: 3,
        available: 7,
      });
      expect((await inventory().getReservation({ reservationId })).state).toBe(rpc.ReservationState.HELD);

      const committed = await inventory().commit({ reservationId });
      expect(committed.state).toBe(rpc.ReservationState.COMMITTED);
      expect(await inventory().getStock({ productId: p1! })).toMatchObject({
        onHand: 7,
        reserved: 0,
        available: 7,
      });
      // Idempotent: committing again answers the committed reservation.
      expect((await inventory().commit({ reservationId })).state).toBe(rpc.ReservationState.COMMITTED);
    });

    it('replays a reservation made again with the same lines, and honours ttl_seconds', async () => {
      const [p] = await products(4);
      const request = {
        reservationId: randomUUID(),
        lines: [{ productId: p!, quantity: 2 }],
        ttlSeconds: 60,
      };
      const first = await inventory().reserve(request);
      const again = await inventory().reserve(request);
      expect(first.replayed).toBe(false);
      expect(again.replayed).toBe(true);
      expect((again.result.value as rpc.Reservation).expiresAtMs).toBe(BigInt(now + 60_000));
      expect(await inventory().getStock({ productId: p! })).toMatchObject({ reserved: 2 });
    });

    it('releases, idempotently', async () => {
      const [p] = await products(4);
      const reservationId = randomUUID();
      await inventory().reserve({ reservationId, lines: [{ productId: p!, quantity: 4 }] });
      expect((await inventory().release({ reservationId })).state).toBe(rpc.ReservationState.RELEASED);
      expect((await inventory().release({ reservationId })).state).toBe(rpc.ReservationState.RELEASED);
      expect(await inventory().getStock({ productId: p! })).toMatchObject({ reserved: 0, available: 4 });
    });

    it('answers out of stock (not an error) and reserves nothing', async () => {
      const [p1, p2] = await products(10, 1);
      const reservationId = randomUUID();
      const answer = await inventory().reserve({
        reservationId,
        lines: [
          { productId: p1!, quantity: 2 },
          { productId: p2!, quantity: 3 },
        ],
      });
      expect(answer.result.case).toBe('outOfStock');
      const shortages = (answer.result.value as rpc.OutOfStock).shortages;
      expect(
        shortages.map((s) => ({ productId: s.productId, requested: s.requested, available: s.available })),
      ).toEqual([{ productId: p2, requested: 3, available: 1 }]);
      expect(await inventory().getStock({ productId: p1! })).toMatchObject({ reserved: 0 });
      expect((await errorOf(inventory().getReservation({ reservationId }))).code).toBe(Code.NotFound);
    });

    it('answers INVALID_ARGUMENT naming every bad field, with the REST rules', async () => {
      const [p] = await products(1);
      const bad = await errorOf(
        inventory().reserve({ reservationId: 'nope', lines: [{ productId: p!, quantity: 0 }] }),
      );
      expect(bad.code).toBe(Code.InvalidArgument);
      expect(bad.rawMessage).toBe(
        'invalid request: reservation_id: must be a reservation id (UUID); lines[0].quantity: must be at least 1',
      );
      const duplicate = await errorOf(
        inventory().reserve({
          reservationId: randomUUID(),
          lines: [
            { productId: p!, quantity: 1 },
            { productId: p!.toUpperCase(), quantity: 1 },
          ],
        }),
      );
      expect(duplicate.rawMessage).toBe(
        'invalid request: lines[1].product_id: each product may appear on one line only',
      );
      const empty = await errorOf(inventory().reserve({ reservationId: randomUUID(), lines: [] }));
      expect(empty.rawMessage).toBe('invalid request: lines: must have at least one line');
      const ttl = await errorOf(
        inventory().reserve({
          reservationId: randomUUID(),
          lines: [{ productId: p!, quantity: 1 }],
          ttlSeconds: 86_401,
        }),
      );
      expect(ttl.rawMessage).toBe('invalid request: ttl_seconds: must be at most 86400');
      // Thunks: a call made before its turn would reject with no handler attached yet.
      for (const call of [
        () => inventory().commit({ reservationId: 'x' }),
        () => inventory().release({ reservationId: '' }),
        () => inventory().getReservation({ reservationId: '42' }),
      ]) {
        const error = await errorOf(call());
        expect(error.code).toBe(Code.InvalidArgument);
        expect(error.rawMessage).toBe('invalid request: reservation_id: must be a reservation id (UUID)');
      }
      expect((await errorOf(inventory().getStock({ productId: 'x' }))).rawMessage).toBe(
        'invalid request: product_id: must be a product id (UUID)',
      );
    });

    it('answers NOT_FOUND for unknown ids', async () => {
      const id = randomUUID();
      for (const call of [
        () => inventory().commit({ reservationId: id }),
        () => inventory().release({ reservationId: id }),
        () => inventory().getReservation({ reservationId: id }),
      ]) {
        const error = await errorOf(call());
        expect(error.code).toBe(Code.NotFound);
        expect(error.rawMessage).toBe(`no reservation with id ${id}`);
      }
      const stock = await errorOf(inventory().getStock({ productId: id }));
      expect(stock.code).toBe(Code.NotFound);
    });

    it('answers FAILED_PRECONDITION for a reused id and forbidden transitions', async () => {
      const [p] = await products(10);
      const reservationId = randomUUID();
      await inventory().reserve({ reservationId, lines: [{ productId: p!, quantity: 1 }] });
      const reused = await errorOf(
        inventory().reserve({ reservationId, lines: [{ productId: p!, quantity: 2 }] }),
      );
      expect(reused.code).toBe(Code.FailedPrecondition);
      expect(reused.rawMessage).toBe(`reservation ${reservationId} already exists with different lines`);

      await inventory().commit({ reservationId });
      const release = await errorOf(inventory().release({ reservationId }));
      expect(release.code).toBe(Code.FailedPrecondition);

      const released = randomUUID();
      await inventory().reserve({ reservationId: released, lines: [{ productId: p!, quantity: 1 }] });
      await inventory().release({ reservationId: released });
      const commit = await errorOf(inventory().commit({ reservationId: released }));
      expect(commit.code).toBe(Code.FailedPrecondition);
      expect(commit.rawMessage).toBe(`reservation ${released} is released and cannot be committed`);
    });

    it('refuses to commit a reservation whose time is up', async () => {
      const [p] = await products(1);
      const reservationId = randomUUID();
      await inventory().reserve({ reservationId, lines: [{ productId: p!, quantity: 1 }], ttlSeconds: 1 });
      now += 1000;
      const error = await errorOf(inventory().commit({ reservationId }));
      expect(error.code).toBe(Code.FailedPrecondition);
      expect(error.rawMessage).toBe(`reservation ${reservationId} is expired and cannot be committed`);
      expect((await inventory().getReservation({ reservationId })).state).toBe(rpc.ReservationState.EXPIRED);
    });
  });
}
