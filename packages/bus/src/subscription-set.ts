import type { Logger } from '@opsloop/kit';
import { settlesWithin } from './async-utils.js';
import type { Subscription } from './event-bus.js';

/** A running consumer loop of an adapter. */
export interface ConsumerLoop {
  start(): void;
  /** Stops fetching and waits for in-flight handlers. */
  stop(): Promise<void>;
}

/**
 * The subscriptions of one bus client, shared by every adapter: starts a consumer loop and hands out its
 * {@link Subscription}, and stops them all (within a deadline) when the client closes.
 */
export class SubscriptionSet {
  readonly #loops = new Set<ConsumerLoop>();

  /** Starts `loop` and returns the subscription the caller stops it with. */
  track(loop: ConsumerLoop): Subscription {
    this.#loops.add(loop);
    loop.start();
    return {
      stop: async () => {
        await loop.stop();
        this.#loops.delete(loop);
      },
    };
  }

  /** Stops every loop; handlers still running after `timeoutMs` are left to their ack wait (logged). */
  async stopAll(timeoutMs: number, log?: Logger): Promise<void> {
    const stopping = Promise.all([...this.#loops].map((loop) => loop.stop()));
    if (!(await settlesWithin(stopping, timeoutMs))) {
      log?.warn(
        { timeout_ms: timeoutMs },
        'bus: handlers still running at close; their events are redelivered after their ack wait',
      );
    }
    this.#loops.clear();
  }
}
