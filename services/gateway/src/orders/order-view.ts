import { z } from 'zod';
import { moneySchema, type Money, type rpc } from '@opsloop/contracts';

/** Order states as the REST API spells them: `rpc.OrderState`'s names, lower-case, in its numeric order. */
export const ORDER_STATES = [
  'unspecified',
  'pending',
  'confirmed',
  'paid',
  'fulfilled',
  'cancelled',
  'failed',
] as const;

/** An order line as the gateway's REST API shows it. */
export const orderLineViewSchema = z.object({
  productId: z.string(),
  quantity: z.number().int().nonnegative(),
  unitPrice: moneySchema,
});

/** An order as `GET /api/orders` and `GET /api/orders/{id}` show it. */
export const orderViewSchema = z.object({
  orderId: z.string(),
  state: z.enum(ORDER_STATES),
  lines: z.array(orderLineViewSchema),
  total: moneySchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** One page of the caller's orders, newest first as the orders service lists them. */
export const orderPageViewSchema = z.object({
  orders: z.array(orderViewSchema),
  nextCursor: z.string().nullable(),
});

/** An order as the REST API shows it. */
export type OrderView = z.infer<typeof orderViewSchema>;

/** gRPC money (int64 minor units, as bigint) as REST money. Amounts beyond 2^53 do not occur (capped). */
export function moneyView(money: rpc.Money | undefined): Money {
  return { amountMinor: Number(money?.amountMinor ?? 0n), currency: money?.currency || 'XXX' };
}

function isoTime(ms: bigint): string {
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

/** A gRPC order as JSON. */
export function orderView(order: rpc.Order): OrderView {
  return {
    orderId: order.orderId,
    state: ORDER_STATES[order.state] ?? 'unspecified',
    lines: order.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: moneyView(line.unitPrice),
    })),
    total: moneyView(order.total),
    createdAt: isoTime(order.createdAtMs),
    updatedAt: isoTime(order.updatedAtMs),
  };
}
