import { counterOn, type ServiceMetrics } from '@opsloop/kit';

/** How a cart ended, as the carts domain reports it. */
export type CartEnd = 'checked_out' | 'abandoned' | 'emptied';

/**
 * What the carts domain reports, after the transaction that did it committed. A cart here is one shopping
 * session: it starts when a product goes into an empty cart, and ends checked out, emptied or abandoned.
 */
export interface CartMetrics {
  /** A product went into a cart that had no line (never used, emptied, checked out or expired). */
  started(): void;
  /** `count` carts with lines ended this way. */
  ended(end: CartEnd, count?: number): void;
}

/** Registers the cart's business metrics on the service's registry. */
export function createCartMetrics(metrics: ServiceMetrics): CartMetrics {
  const created = counterOn(metrics.registry, {
    name: 'carts_created_total',
    help:
      'Carts started: a product put into a cart without lines (a new shopper, or one whose cart was ' +
      'checked out, emptied or expired before). Abandonment rate = carts_abandoned_total / ' +
      'carts_created_total.',
    labelNames: [] as const,
  });
  const checkedOut = counterOn(metrics.registry, {
    name: 'carts_checked_out_total',
    help:
      'Carts emptied by the checkout saga (ClearCart after the order was paid). A retried ClearCart ' +
      'counts nothing.',
    labelNames: [] as const,
  });
  const abandoned = counterOn(metrics.registry, {
    name: 'carts_abandoned_total',
    help:
      'Carts that expired with lines in them (no change for CART_TTL_SECONDS, never checked out), counted ' +
      'when their lines are deleted: by the sweeper (every CART_SWEEP_INTERVAL_SECONDS) or by the ' +
      "shopper's next change, so up to the TTL plus one sweep interval after the last change.",
    labelNames: [] as const,
  });
  const emptied = counterOn(metrics.registry, {
    name: 'carts_emptied_total',
    help: 'Carts the shopper emptied (removed the last line, or cleared the cart) before any checkout.',
    labelNames: [] as const,
  });
  const ends = { checked_out: checkedOut, abandoned, emptied } as const;
  return {
    started() {
      created.inc();
    },
    ended(end, count = 1) {
      if (count > 0) ends[end].inc(count);
    },
  };
}
