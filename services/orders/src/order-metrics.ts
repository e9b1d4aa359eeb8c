import { counterOn, type ServiceMetrics } from '@opsloop/kit';
import type { OrderState } from './tables.js';

/** What the orders domain reports, once a state change is committed. */
export interface OrderMetrics {
  /** An order entered `state`: `pending` when it was created, any other by a transition. */
  entered(state: OrderState): void;
}

/** Registers the orders' business metrics on the service's registry. */
export function createOrderMetrics(metrics: ServiceMetrics): OrderMetrics {
  const orders = counterOn(metrics.registry, {
    name: 'orders_total',
    help:
      'Order state changes, by the state entered (pending = created, confirmed, paid, fulfilled, cancelled, ' +
      'failed), counted once by the replica whose statement committed the change: idempotent replays of a ' +
      'creation, a transition to the current state and refused transitions count nothing.',
    labelNames: ['status'] as const,
  });
  return {
    entered(state) {
      orders.inc({ status: state });
    },
  };
}
