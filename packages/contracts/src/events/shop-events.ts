import { z } from 'zod';
import { moneySchema } from '../product.js';

/**
 * The shop's event types. Every type is versioned: a breaking change of `data` is a new major version
 * (`order.placed.v2`) published alongside the old one until every consumer moved; additive changes keep
 * the version (consumers ignore unknown fields).
 */

const orderLine = z.object({
  productId: z.uuid(),
  quantity: z.number().int().positive(),
  unitPrice: moneySchema,
});

/** Data of `order.placed.v1`: a checkout completed (paid, stock committed). Key: order id. */
export const orderPlacedV1 = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  lines: z.array(orderLine).min(1),
  total: moneySchema,
  paymentId: z.string().min(1),
});

/** Data of `order.cancelled.v1`: a checkout was compensated. Key: order id. */
export const orderCancelledV1 = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  reason: z.enum([
    'out-of-stock',
    'payment-declined',
    'payment-error',
    'timeout',
    'user-cancelled',
    'internal',
  ]),
});

/** Data of `payment.failed.v1`: an authorization or capture was declined or failed. Key: order id. */
export const paymentFailedV1 = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  amount: moneySchema,
  reason: z.string().min(1).max(200),
});

/** Data of `user.registered.v1`. Key: user id. */
export const userRegisteredV1 = z.object({
  userId: z.string().min(1),
  email: z.email(),
});

/** Every shop event type and the schema of its `data`. */
export const shopEventSchemas = {
  'order.placed.v1': orderPlacedV1,
  'order.cancelled.v1': orderCancelledV1,
  'payment.failed.v1': paymentFailedV1,
  'user.registered.v1': userRegisteredV1,
} as const;

/** A shop event type name. */
export type ShopEventType = keyof typeof shopEventSchemas;

/** The `data` of a shop event type. */
export type ShopEventData<T extends ShopEventType> = z.infer<(typeof shopEventSchemas)[T]>;

/** Validates the `data` of a shop event; throws a ZodError naming the invalid fields. */
export function parseShopEventData<T extends ShopEventType>(type: T, data: unknown): ShopEventData<T> {
  return shopEventSchemas[type].parse(data) as ShopEventData<T>;
}
