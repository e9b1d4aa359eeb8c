import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { currencySchema } from '@opsloop/contracts';
import { parseInput, ProblemError } from '@opsloop/kit';
import {
  decodeCursor,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_PAGE_SIZE,
  MAX_REASON_LENGTH,
  MAX_UNIT_AMOUNT_MINOR,
  MAX_USER_ID_LENGTH,
  REASON_REQUIRED,
  TRANSITION_TARGETS,
  type Order,
  type OrderDetail,
  type Orders,
  type TransitionTarget,
} from './orders.js';

/** Page size of `GET /api/orders` when the request does not say. */
export const DEFAULT_PAGE_SIZE = 20;

const orderParams = z.object({ id: z.uuid('must be an order id (UUID)') });
const userIdSchema = z
  .string('must be a user id')
  .min(1, 'must not be empty')
  .max(MAX_USER_ID_LENGTH, `must have at most ${MAX_USER_ID_LENGTH} characters`);

const orderLine = z.object({
  productId: z.uuid('must be a product id (UUID)'),
  quantity: z
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`),
  unitPrice: z.object(
    {
      amountMinor: z
        .number('must be an integer amount in minor units')
        .int('must be an integer amount in minor units')
        .min(0, 'must not be negative')
        .max(MAX_UNIT_AMOUNT_MINOR, `must be at most ${MAX_UNIT_AMOUNT_MINOR}`),
      currency: currencySchema,
    },
    'must be { amountMinor, currency }',
  ),
});

/** The body of `POST /api/orders`. */
export const createOrderBodySchema = z.object({
  orderId: z.uuid('must be an order id (UUID)'),
  userId: userIdSchema,
  lines: z
    .array(orderLine, 'must be a list of lines')
    .min(1, 'must have at least one line')
    .max(MAX_ORDER_LINES, `must have at most ${MAX_ORDER_LINES} lines`)
    .superRefine((lines, ctx) => {
      const currency = lines[0]?.unitPrice.currency;
      lines.forEach((line, index) => {
        if (line.unitPrice.currency !== currency)
          ctx.addIssue({
            code: 'custom',
            path: [index, 'unitPrice', 'currency'],
            message: 'every line must be in the same currency',
          });
      });
    }),
});

/** The body of `POST /api/orders/{id}/transitions`. */
export const transitionBodySchema = z
  .object({
    to: z.enum(TRANSITION_TARGETS as [TransitionTarget, ...TransitionTarget[]], {
      error: `must be one of ${TRANSITION_TARGETS.join(', ')}`,
    }),
    reason: z
      .string('must be a string')
      .min(1, 'must not be empty')
      .max(MAX_REASON_LENGTH, `must have at most ${MAX_REASON_LENGTH} characters`)
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (REASON_REQUIRED.has(body.to) && body.reason === undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `is required for ${body.to}` });
  });

/** The query of `GET /api/orders`. */
export const listOrdersQuerySchema = z.object({
  userId: userIdSchema,
  limit: z.coerce
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string('must be a cursor')
    .refine((cursor) => decodeCursor(cursor) !== undefined, 'must be the nextCursor of a previous page')
    .optional(),
});

/** An order as the API shows it (timestamps as ISO strings). */
export interface OrderView {
  orderId: string;
  userId: string;
  state: Order['state'];
  lines: Order['lines'];
  total: Order['total'];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** An order with its history as the API shows it. */
export interface OrderDetailView extends OrderView {
  history: {
    version: number;
    from: Order['state'] | null;
    to: Order['state'];
    reason: string | null;
    at: string;
  }[];
}

function view(order: Order): OrderView {
  return {
    orderId: order.orderId,
    userId: order.userId,
    state: order.state,
    lines: order.lines,
    total: order.total,
    version: order.version,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

function detailView(order: OrderDetail): OrderDetailView {
  return {
    ...view(order),
    history: order.history.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
  };
}

function notFound(id: string): ProblemError {
  return new ProblemError('resourceNotFound', { detail: `no order with id ${id}` });
}

/**
 * Registers the orders service's HTTP API. It is internal: the checkout saga creates and moves orders; the
 * gateway exposes none of these routes without its own authorization.
 */
export function registerOrdersRoutes(app: FastifyInstance, orders: Orders): void {
  app.post('/api/orders', async (request, reply) => {
    const body = parseInput(createOrderBodySchema, request.body, 'body');
    const result = await orders.create(body);
    switch (result.outcome) {
      case 'created':
        return reply.code(201).send(detailView(result.order));
      case 'replayed':
        return reply.code(200).send(detailView(result.order));
      case 'conflict':
        throw new ProblemError('conflict', {
          detail: `order ${body.orderId} already exists with different content`,
          extensions: { orderId: result.order.orderId },
        });
    }
  });

  app.get('/api/orders', async (request) => {
    const query = parseInput(listOrdersQuerySchema, request.query, 'query');
    const page = await orders.listByUser(query.userId, { limit: query.limit, cursor: query.cursor });
    return { orders: page.orders.map(view), nextCursor: page.nextCursor };
  });

  app.get('/api/orders/:id', async (request): Promise<OrderDetailView> => {
    const { id } = parseInput(orderParams, request.params, 'path');
    const order = await orders.get(id);
    if (order === undefined) throw notFound(id);
    return detailView(order);
  });

  app.post('/api/orders/:id/transitions', async (request): Promise<OrderDetailView> => {
    const { id } = parseInput(orderParams, request.params, 'path');
    const body = parseInput(transitionBodySchema, request.body, 'body');
    const result = await orders.transition(id, body);
    switch (result.outcome) {
      case 'applied':
      case 'unchanged':
        return detailView(result.order);
      case 'not-found':
        throw notFound(id);
      case 'conflict':
        throw new ProblemError('conflict', {
          detail: `order ${id} is ${result.order.state} and cannot become ${body.to}`,
          extensions: { state: result.order.state },
        });
    }
  });
}
