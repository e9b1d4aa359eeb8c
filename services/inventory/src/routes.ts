import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import {
  MAX_LINE_QUANTITY,
  MAX_ON_HAND,
  MAX_RESERVATION_LINES,
  MAX_RESERVATION_TTL_MS,
  type Inventory,
  type Reservation,
  type StockLevel,
} from './inventory.js';

/** Time-to-live of a reservation when the request does not say. */
export const DEFAULT_TTL_SECONDS = 900;

const productParams = z.object({ productId: z.uuid('must be a product id (UUID)') });
const reservationParams = z.object({ id: z.uuid('must be a reservation id (UUID)') });

const setStockBody = z.object({
  onHand: z
    .number('must be an integer')
    .int('must be an integer')
    .min(0, 'must not be negative')
    .max(MAX_ON_HAND, `must be at most ${MAX_ON_HAND}`),
});

const reservationLine = z.object({
  productId: z.uuid('must be a product id (UUID)'),
  quantity: z
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`),
});

/** The body of `POST /api/inventory/reservations`. */
export const reserveBodySchema = z.object({
  reservationId: z.uuid('must be a reservation id (UUID)'),
  lines: z
    .array(reservationLine, 'must be a list of lines')
    .min(1, 'must have at least one line')
    .max(MAX_RESERVATION_LINES, `must have at most ${MAX_RESERVATION_LINES} lines`)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        const id = line.productId.toLowerCase();
        if (seen.has(id))
          ctx.addIssue({
            code: 'custom',
            path: [index, 'productId'],
            message: 'each product may appear on one line only',
          });
        seen.add(id);
      });
    }),
  ttlSeconds: z
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_RESERVATION_TTL_MS / 1000, `must be at most ${MAX_RESERVATION_TTL_MS / 1000}`)
    .default(DEFAULT_TTL_SECONDS),
});

/** A reservation as the API shows it. */
export interface ReservationView {
  reservationId: string;
  state: Reservation['state'];
  lines: Reservation['lines'];
  createdAt: string;
  expiresAt: string;
  committedAt: string | null;
  releasedAt: string | null;
  expiredAt: string | null;
}

function view(reservation: Reservation): ReservationView {
  return {
    reservationId: reservation.reservationId,
    state: reservation.state,
    lines: reservation.lines,
    createdAt: reservation.createdAt.toISOString(),
    expiresAt: reservation.expiresAt.toISOString(),
    committedAt: reservation.committedAt?.toISOString() ?? null,
    releasedAt: reservation.releasedAt?.toISOString() ?? null,
    expiredAt: reservation.expiredAt?.toISOString() ?? null,
  };
}

function notFound(id: string): ProblemError {
  return new ProblemError('resourceNotFound', { detail: `no reservation with id ${id}` });
}

/**
 * Registers the inventory's HTTP API. `PUT /api/inventory/:productId` is an admin operation that is not
 * authenticated yet: only the gateway's routes decide who reaches it.
 */
export function registerInventoryRoutes(app: FastifyInstance, inventory: Inventory): void {
  app.get('/api/inventory/:productId', async (request): Promise<StockLevel> => {
    const { productId } = parseInput(productParams, request.params, 'path');
    const stock = await inventory.getStock(productId);
    if (stock === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no stock record for product ${productId}` });
    return stock;
  });

  app.put('/api/inventory/:productId', async (request): Promise<StockLevel> => {
    const { productId } = parseInput(productParams, request.params, 'path');
    const { onHand } = parseInput(setStockBody, request.body, 'body');
    const result = await inventory.setStock(productId, onHand);
    if (result.outcome === 'below-reserved')
      throw new ProblemError('conflict', {
        detail: `${result.stock.reserved} of product ${productId} are reserved; onHand cannot go below that`,
        extensions: { reserved: result.stock.reserved },
      });
    return result.stock;
  });

  app.post('/api/inventory/reservations', async (request, reply) => {
    const body = parseInput(reserveBodySchema, request.body, 'body');
    const result = await inventory.reserve({
      reservationId: body.reservationId,
      lines: body.lines,
      ttlMs: body.ttlSeconds * 1000,
    });
    switch (result.outcome) {
      case 'held':
        return reply.code(201).send(view(result.reservation));
      case 'replayed':
        return reply.code(200).send(view(result.reservation));
      case 'conflict':
        throw new ProblemError('conflict', {
          detail: `reservation ${body.reservationId} already exists with different lines`,
          extensions: { reservationId: result.reservation.reservationId },
        });
      case 'out-of-stock':
        throw new ProblemError('conflict', {
          detail: `not enough stock for ${result.shortages.length} product(s); nothing was reserved`,
          extensions: { outOfStock: result.shortages },
        });
    }
  });

  app.get('/api/inventory/reservations/:id', async (request): Promise<ReservationView> => {
    const { id } = parseInput(reservationParams, request.params, 'path');
    const reservation = await inventory.getReservation(id);
    if (reservation === undefined) throw notFound(id);
    return view(reservation);
  });

  app.post('/api/inventory/reservations/:id/commit', async (request): Promise<ReservationView> => {
    const { id } = parseInput(reservationParams, request.params, 'path');
    const result = await inventory.commit(id);
    if (result.outcome === 'not-found') throw notFound(id);
    if (result.outcome === 'not-held')
      throw new ProblemError('conflict', {
        detail: `reservation ${id} is ${result.reservation.state} and cannot be committed`,
        extensions: { state: result.reservation.state },
      });
    return view(result.reservation);
  });

  app.post('/api/inventory/reservations/:id/release', async (request): Promise<ReservationView> => {
    const { id } = parseInput(reservationParams, request.params, 'path');
    const result = await inventory.release(id);
    if (result.outcome === 'not-found') throw notFound(id);
    if (result.outcome === 'not-held')
      throw new ProblemError('conflict', {
        detail: `reservation ${id} is committed and cannot be released`,
        extensions: { state: result.reservation.state },
      });
    return view(result.reservation);
  });
}
