import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import { rpcHeaders, type GatewayRequestState } from '../request-state.js';
import { problemFromRpc } from '../rpc-problem.js';
import { orderView, type OrderView } from './order-view.js';
import type { OrdersReader } from './rpc-ports.js';

/** Largest page `GET /api/orders` asks for. */
export const ORDERS_PAGE_MAX = 100;

/** `GET /api/orders` query. */
export const ordersQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(1, 'must be ≥ 1')
    .max(ORDERS_PAGE_MAX, `must be ≤ ${ORDERS_PAGE_MAX}`)
    .default(20),
  cursor: z
    .string()
    .max(512, 'must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be the nextCursor of a previous page')
    .optional(),
});

/** `GET /api/orders/{id}` path. */
export const orderParamsSchema = z.object({ id: z.uuid('must be an order id (UUID)') });

/** Options of {@link registerOrderRoutes}. */
export interface OrderRoutesOptions {
  orders: OrdersReader;
  /** Discovery name of the orders service, for messages. */
  service: string;
  timeoutMs: number;
}

/** The authenticated caller; the edge already refused anonymous requests to these protected routes. */
function caller(request: FastifyRequest): { userId: string; state: GatewayRequestState } {
  const state = request.gateway;
  if (state?.userId === undefined) throw new ProblemError('unauthorized', { detail: 'sign in first' });
  return { userId: state.userId, state };
}

/**
 * `GET /api/orders` and `GET /api/orders/{id}`: REST over the orders service's gRPC API, always scoped to
 * the caller (`sub` of the token). Someone else's order is a 404, the same as a missing one, so ids cannot
 * be probed.
 */
export function registerOrderRoutes(app: FastifyInstance, options: OrderRoutesOptions): void {
  app.get('/api/orders', async (request) => {
    const { userId, state } = caller(request);
    const query = parseInput(ordersQuerySchema, request.query, 'query');
    const page = await options.orders
      .listOrders(
        { userId, limit: query.limit, cursor: query.cursor ?? '' },
        { timeoutMs: options.timeoutMs, headers: rpcHeaders(request.id, state) },
      )
      .catch((error: unknown) => {
        throw problemFromRpc(error, options.service);
      });
    const orders: OrderView[] = page.orders.filter((o) => o.userId === userId).map(orderView);
    return { orders, nextCursor: page.nextCursor === '' ? null : page.nextCursor };
  });

  app.get('/api/orders/:id', async (request): Promise<OrderView> => {
    const { userId, state } = caller(request);
    const { id } = parseInput(orderParamsSchema, request.params, 'path');
    const notFound = new ProblemError('resourceNotFound', { detail: `no order with id ${id}` });
    const order = await options.orders
      .getOrder({ orderId: id }, { timeoutMs: options.timeoutMs, headers: rpcHeaders(request.id, state) })
      .catch((error: unknown) => {
        const problem = problemFromRpc(error, options.service);
        throw problem.code === 'resourceNotFound' ? notFound : problem;
      });
    if (order.userId !== userId) throw notFound;
    return orderView(order);
  });
}
