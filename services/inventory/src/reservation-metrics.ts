import { counterOn, gaugeOn, type ServiceMetrics } from '@opsloop/kit';
import type { StockSnapshot } from './stock-snapshot.js';

/** What was done to reservations (the label `operation`): the three calls and the expiry sweeper. */
export type ReservationOperation = 'reserve' | 'commit' | 'release' | 'expire';

/** How a reservation operation ended (the label `outcome`): a closed set. */
export type ReservationOutcome =
  | 'reserved'
  | 'rejected_insufficient'
  | 'conflict'
  | 'duplicate'
  | 'committed'
  | 'released'
  | 'expired'
  | 'not_held'
  | 'not_found';

/** What the inventory domain reports, after the transaction that did it committed. */
export interface ReservationMetrics {
  /** `count` reservations (1 unless the sweeper expired several) ended `operation` with `outcome`. */
  counted(operation: ReservationOperation, outcome: ReservationOutcome, count?: number): void;
  /** The database-wide stock figures, read after a sweep. */
  snapshot(snapshot: StockSnapshot): void;
}

// Every replica reads the same database: its gauges show the whole shop, not its own share.
const DATABASE_WIDE =
  'Database-wide, refreshed after every expiry sweep (RESERVATION_SWEEP_MS): every replica reports the same ' +
  'value, so aggregate across instances with max(), never sum().';

/** Registers the inventory's business metrics on the service's registry. */
export function createReservationMetrics(metrics: ServiceMetrics): ReservationMetrics {
  const reservations = counterOn(metrics.registry, {
    name: 'stock_reservations_total',
    help:
      'Reservation operations by operation (reserve, commit, release, expire = the sweeper) and outcome, ' +
      'counted once when the transaction commits: reserved (stock now held), rejected_insufficient (not ' +
      'enough stock: nothing held), conflict (id reused with other lines), duplicate (an idempotent ' +
      'retry: no change), committed (the stock left), released (returned by the caller), expired (returned ' +
      'because its time was up: by the sweeper, or by a commit that came too late), not_held, not_found.',
    labelNames: ['operation', 'outcome'] as const,
  });
  const active = gaugeOn(metrics.registry, {
    name: 'stock_reservations_active',
    help: `Reservations holding stock (state held). ${DATABASE_WIDE}`,
    labelNames: [] as const,
  });
  const reservedUnits = gaugeOn(metrics.registry, {
    name: 'stock_reserved_units',
    help: `Units of stock held by reservations, all products together. ${DATABASE_WIDE}`,
    labelNames: [] as const,
  });
  const unavailable = gaugeOn(metrics.registry, {
    name: 'stock_products_unavailable',
    help:
      'Products with a stock record and no unit available (on hand minus reserved is 0): out of stock or ' +
      `fully reserved. A count, not per-product series (product ids are unbounded). ${DATABASE_WIDE}`,
    labelNames: [] as const,
  });
  return {
    counted(operation, outcome, count = 1) {
      if (count > 0) reservations.inc({ operation, outcome }, count);
    },
    snapshot(snapshot) {
      active.set(snapshot.activeReservations);
      reservedUnits.set(snapshot.reservedUnits);
      unavailable.set(snapshot.productsUnavailable);
    },
  };
}
