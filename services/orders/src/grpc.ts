import { z } from 'zod';
import { rpc } from '@opsloop/contracts';
import { Code, ConnectError, parseRpcInput, type RpcInputSchema, type ServiceImpl } from '@opsloop/rpc';
import type { Order, Orders, TransitionTarget } from './orders.js';
import { createOrderBodySchema, listOrdersQuerySchema, transitionBodySchema } from './routes.js';

// The same rule as the REST routes' path parameter, under the .proto's field name.
const orderRef = z.object({ orderId: z.uuid('must be an order id (UUID)') });

const STATES: Record<Order['state'], rpc.OrderState> = {
  pending: rpc.OrderState.PENDING,
  confirmed: rpc.OrderState.CONFIRMED,
  paid: rpc.OrderState.PAID,
  fulfilled: rpc.OrderState.FULFILLED,
  cancelled: rpc.OrderState.CANCELLED,
  failed: rpc.OrderState.FAILED,
};
/** The REST name of a state (`PENDING` → `pending`, which the REST rule then refuses as a target). */
const NAMES = new Map(Object.entries(STATES).map(([name, state]) => [state, name]));

type TransitionRequest = { orderId: string } & z.infer<typeof transitionBodySchema>;

/** The order id and the REST body of a transition, validated together so every bad field is listed. */
const transitionRequest: RpcInputSchema<TransitionRequest> = {
  safeParse(value) {
    const { orderId, ...body } = value as { orderId: unknown; to: unknown; reason: unknown };
    const id = orderRef.safeParse({ orderId });
    const parsed = transitionBodySchema.safeParse(body);
    if (id.success && parsed.success) return { success: true, data: { ...id.data, ...parsed.data } };
    return {
      success: false,
      error: { issues: [...(id.error?.issues ?? []), ...(parsed.error?.issues ?? [])] },
    };
  },
};

const money = (m: { amountMinor: number; currency: string }) => ({
  amountMinor: BigInt(m.amountMinor),
  currency: m.currency,
});

function toMessage(order: Order, replayed: boolean) {
  return {
    orderId: order.orderId,
    userId: order.userId,
    state: STATES[order.state],
    lines: order.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: money(line.unitPrice),
    })),
    total: money(order.total),
    createdAtMs: BigInt(order.createdAt.getTime()),
    updatedAtMs: BigInt(order.updatedAt.getTime()),
    replayed,
  };
}

function notFound(id: string): ConnectError {
  return new ConnectError(`no order with id ${id}`, Code.NotFound);
}

/**
 * The gRPC binding of the orders (`opsloop.shop.v1.OrdersService`), the twin of `routes.ts`: the same
 * validation, the same domain calls. A reused id with other content and a forbidden transition are
 * FAILED_PRECONDITION; re-applying the current state answers the order unchanged.
 */
export function ordersGrpc(orders: Orders): ServiceImpl<typeof rpc.OrdersService> {
  return {
    async createOrder(request) {
      const input = parseRpcInput(createOrderBodySchema, {
        orderId: request.orderId,
        userId: request.userId,
        lines: request.lines.map((line) => ({
          productId: line.productId,
          quantity: line.quantity,
          // int64 arrives as a bigint; the schema's bounds are far inside a double's exact range.
          unitPrice:
            line.unitPrice === undefined
              ? undefined
              : { amountMinor: Number(line.unitPrice.amountMinor), currency: line.unitPrice.currency },
        })),
      });
      const result = await orders.create(input);
      if (result.outcome === 'conflict')
        throw new ConnectError(
          `order ${input.orderId} already exists with different content`,
          Code.FailedPrecondition,
        );
      return toMessage(result.order, result.outcome === 'replayed');
    },

    async transition(request) {
      const input = parseRpcInput(transitionRequest, {
        orderId: request.orderId,
        to: NAMES.get(request.to) as TransitionTarget | undefined,
        // proto3 has no "absent": an empty reason is none.
        reason: request.reason === '' ? undefined : request.reason,
      });
      const result = await orders.transition(input.orderId, { to: input.to, reason: input.reason });
      switch (result.outcome) {
        case 'applied':
        case 'unchanged':
          return toMessage(result.order, false);
        case 'not-found':
          throw notFound(input.orderId);
        case 'conflict':
          throw new ConnectError(
            `order ${input.orderId} is ${result.order.state} and cannot become ${input.to}`,
            Code.FailedPrecondition,
          );
      }
    },

    async getOrder(request) {
      const { orderId } = parseRpcInput(orderRef, { orderId: request.orderId });
      const order = await orders.get(orderId);
      if (order === undefined) throw notFound(orderId);
      return toMessage(order, false);
    },

    async listOrders(request) {
      const query = parseRpcInput(listOrdersQuerySchema, {
        userId: request.userId,
        // 0 and "" are proto3's "not set": the defaults.
        limit: request.limit === 0 ? undefined : request.limit,
        cursor: request.cursor === '' ? undefined : request.cursor,
      });
      const page = await orders.listByUser(query.userId, { limit: query.limit, cursor: query.cursor });
      return {
        orders: page.orders.map((order) => toMessage(order, false)),
        nextCursor: page.nextCursor ?? '',
      };
    },
  };
}
