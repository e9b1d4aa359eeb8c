import type { EventConsumer } from './options.js';

/*
 * What the shop's code does that its opsloop.yaml does not say (yet): which services subscribe on the bus
 * and which use it at all. The CLI passes these as `eventConsumers` and `backends` when it renders the shop;
 * once the spec declares them (a `consumes:` list, say), these go.
 */

/**
 * The shop's bus consumers: services/users/src/loyalty.ts (group `users` on `orders`) and
 * services/notifications/src/pipeline.ts (group `notifications` on `orders`, `payments`, `users`).
 */
export const SHOP_EVENT_CONSUMERS: Readonly<Record<string, readonly EventConsumer[]>> = Object.freeze({
  users: [{ stream: 'orders', group: 'users' }],
  notifications: [
    { stream: 'orders', group: 'notifications' },
    { stream: 'payments', group: 'notifications' },
    { stream: 'users', group: 'notifications' },
  ],
});

/**
 * The shop's services that keep data (`DATA_DIR`) but never open the bus (only checkout, notifications and
 * users read `NATS_URL`): without this they would be allowed out to NATS too.
 */
export const SHOP_BACKENDS: Readonly<Record<string, { bus?: boolean; database?: boolean }>> = Object.freeze({
  cart: { bus: false },
  inventory: { bus: false },
  orders: { bus: false },
  payments: { bus: false },
});

/**
 * The render options a system needs beyond its spec: the shop's consumers and backends when the system is
 * the shop (`metadata.name: shop`), nothing for any other system.
 */
export function profileOptions(system: string): {
  eventConsumers?: typeof SHOP_EVENT_CONSUMERS;
  backends?: typeof SHOP_BACKENDS;
} {
  return system === 'shop' ? { eventConsumers: SHOP_EVENT_CONSUMERS, backends: SHOP_BACKENDS } : {};
}
