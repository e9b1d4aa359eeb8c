import { systemClock, type Clock } from '@opsloop/kit';

/**
 * A bulkhead: at most `limit` holders at once, the others queued in arrival order. Checkout uses it to cap
 * the sagas started by requests, so a burst of buyers becomes a queue here instead of a pile of timed-out
 * calls (and open circuit breakers) at the participants.
 */
export interface Bulkhead {
  /** A release function once a place is free, or undefined if none freed up within `waitMs`. */
  acquire(waitMs: number): Promise<(() => void) | undefined>;
  /** Holders now. */
  active(): number;
  /** Waiting now. */
  queued(): number;
}

/** Creates a {@link Bulkhead} of `limit` places. */
export function createBulkhead(limit: number, clock: Clock = systemClock): Bulkhead {
  let active = 0;
  const queue: { grant: () => void }[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next !== undefined) next.grant();
      else active -= 1;
    };
  };

  return {
    acquire(waitMs) {
      if (active < limit) {
        active += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => {
        const entry = {
          // The place passes straight from the releaser to the next in line: `active` stays the same.
          grant: () => {
            timer.cancel();
            resolve(releaser());
          },
        };
        const timer = clock.after(Math.max(0, waitMs), () => {
          const index = queue.indexOf(entry);
          if (index !== -1) queue.splice(index, 1);
          resolve(undefined);
        });
        queue.push(entry);
      });
    },
    active: () => active,
    queued: () => queue.length,
  };
}
