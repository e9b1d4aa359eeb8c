import { z } from 'zod';
import { rpc } from '@opsloop/contracts';
import { Code, ConnectError, parseRpcInput, type ServiceImpl } from '@opsloop/rpc';
import type { Inventory, Reservation } from './inventory.js';
import { reserveBodySchema } from './routes.js';

// The same rules as the REST routes' path parameters, under the .proto's field names.
const reservationRef = z.object({ reservationId: z.uuid('must be a reservation id (UUID)') });
const stockRequest = z.object({ productId: z.uuid('must be a product id (UUID)') });

const STATES: Record<Reservation['state'], rpc.ReservationState> = {
  held: rpc.ReservationState.HELD,
  committed: rpc.ReservationState.COMMITTED,
  released: rpc.ReservationState.RELEASED,
  expired: rpc.ReservationState.EXPIRED,
};

function toMessage(reservation: Reservation) {
  return {
    reservationId: reservation.reservationId,
    state: STATES[reservation.state],
    lines: reservation.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
    expiresAtMs: BigInt(reservation.expiresAt.getTime()),
  };
}

function notFound(id: string): ConnectError {
  return new ConnectError(`no reservation with id ${id}`, Code.NotFound);
}

/**
 * The gRPC binding of the inventory (`opsloop.shop.v1.InventoryService`), the twin of `routes.ts`: the same
 * validation, the same domain calls. Out of stock is an answer (`outOfStock`); a reused id with other lines
 * and a forbidden transition are FAILED_PRECONDITION; an unknown id is NOT_FOUND.
 */
export function inventoryGrpc(inventory: Inventory): ServiceImpl<typeof rpc.InventoryService> {
  return {
    async reserve(request) {
      const input = parseRpcInput(reserveBodySchema, {
        reservationId: request.reservationId,
        lines: request.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
        // proto3 has no "absent": 0 means the default, as the .proto says.
        ttlSeconds: request.ttlSeconds === 0 ? undefined : request.ttlSeconds,
      });
      const result = await inventory.reserve({
        reservationId: input.reservationId,
        lines: input.lines,
        ttlMs: input.ttlSeconds * 1000,
      });
      switch (result.outcome) {
        case 'held':
        case 'replayed':
          return {
            result: { case: 'reservation', value: toMessage(result.reservation) },
            replayed: result.outcome === 'replayed',
          };
        case 'out-of-stock':
          return { result: { case: 'outOfStock', value: { shortages: result.shortages } } };
        case 'conflict':
          throw new ConnectError(
            `reservation ${input.reservationId} already exists with different lines`,
            Code.FailedPrecondition,
          );
      }
    },

    async commit(request) {
      const { reservationId } = parseRpcInput(reservationRef, { reservationId: request.reservationId });
      const result = await inventory.commit(reservationId);
      if (result.outcome === 'not-found') throw notFound(reservationId);
      if (result.outcome === 'not-held')
        throw new ConnectError(
          `reservation ${reservationId} is ${result.reservation.state} and cannot be committed`,
          Code.FailedPrecondition,
        );
      return toMessage(result.reservation);
    },

    async release(request) {
      const { reservationId } = parseRpcInput(reservationRef, { reservationId: request.reservationId });
      const result = await inventory.release(reservationId);
      if (result.outcome === 'not-found') throw notFound(reservationId);
      if (result.outcome === 'not-held')
        throw new ConnectError(
          `reservation ${reservationId} is committed and cannot be released`,
          Code.FailedPrecondition,
        );
      return toMessage(result.reservation);
    },

    async getReservation(request) {
      const { reservationId } = parseRpcInput(reservationRef, { reservationId: request.reservationId });
      const reservation = await inventory.getReservation(reservationId);
      if (reservation === undefined) throw notFound(reservationId);
      return toMessage(reservation);
    },

    async getStock(request) {
      const { productId } = parseRpcInput(stockRequest, { productId: request.productId });
      const stock = await inventory.getStock(productId);
      if (stock === undefined)
        throw new ConnectError(`no stock record for product ${productId}`, Code.NotFound);
      return stock;
    },
  };
}
