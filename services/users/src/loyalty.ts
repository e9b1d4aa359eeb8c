import { sql } from 'kysely';
import type { Delivery, SubscribeOptions } from '@opsloop/bus';
import { loyaltyDiscountPercent, loyaltyPointsForTotal, orderPlacedV1 } from '@opsloop/contracts';
import type { Logger } from '@opsloop/kit';
import { createInboxHandler } from '@opsloop/outbox';
import type { Database } from '@opsloop/store';
import { isUuid } from './ids.js';
import type { UsersTables } from './tables.js';

/** The stream of order events. */
export const ORDERS_STREAM = 'orders';
/** The bus group (and inbox consumer) of the loyalty consumer. */
export const LOYALTY_CONSUMER = 'users';

/** A user's loyalty standing. */
export interface Loyalty {
  userId: string;
  points: number;
  /** 0, 10 or 20: `loyaltyDiscountPercent(points)`. */
  discountPercent: number;
}

/** A user's loyalty standing, or undefined for an unknown user (or an id that is not a UUID). */
export async function getLoyalty(
  database: Database<UsersTables>,
  userId: string,
): Promise<Loyalty | undefined> {
  if (!isUuid(userId)) return undefined;
  const row = await database.db
    .selectFrom('users')
    .select(['id', 'loyalty_points'])
    .where('id', '=', userId.toLowerCase())
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const points = Number(row.loyalty_points);
  return { userId: row.id, points, discountPercent: loyaltyDiscountPercent(points) };
}

/** Options of {@link createLoyaltyHandler}. */
export interface LoyaltyHandlerOptions {
  database: Database<UsersTables>;
  log?: Logger;
}

/**
 * The bus handler of the `orders` stream: every `order.placed.v1` adds floor(total / 100) points to its
 * user, exactly once per event (the points and the inbox row are written in one transaction). Other event
 * types are recorded and ignored; an order of an unknown user is logged and acknowledged (there is nobody to
 * credit). Data that does not match the contract throws, so the bus retries and then dead-letters it.
 */
export function createLoyaltyHandler(options: LoyaltyHandlerOptions): SubscribeOptions['handler'] {
  const { database, log } = options;
  return createInboxHandler<unknown, UsersTables>({
    database,
    consumer: LOYALTY_CONSUMER,
    ...(log === undefined ? {} : { log }),
    handler: async (delivery: Delivery, trx) => {
      if (delivery.event.type !== 'order.placed.v1') return;
      const order = orderPlacedV1.parse(delivery.event.data);
      const points = loyaltyPointsForTotal(order.total.amountMinor);
      if (points === 0) return;
      const updated = isUuid(order.userId)
        ? await trx
            .updateTable('users')
            .set({ loyalty_points: sql<number>`loyalty_points + ${points}` })
            .where('id', '=', order.userId.toLowerCase())
            .returning('loyalty_points')
            .executeTakeFirst()
        : undefined;
      if (updated === undefined) {
        log?.warn(
          { event_id: delivery.event.id, order_id: order.orderId },
          'order of an unknown user: no points',
        );
        return;
      }
      log?.info(
        {
          event_id: delivery.event.id,
          order_id: order.orderId,
          points,
          total_points: Number(updated.loyalty_points),
        },
        'loyalty points added',
      );
    },
  });
}
