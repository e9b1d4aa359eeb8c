/** A cancellable timer handle. */
export interface TimerHandle {
  cancel(): void;
}

/** Time, injected so that back-off, probes, redelivery and rollouts are tested without sleeping. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the timer never keeps the process alive on its own. */
  after(ms: number, fn: () => void): TimerHandle;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** A clock that moves only when told to, for tests. */
export interface ManualClock extends Clock {
  /** Advances time by `ms`, running due timers in order. */
  advance(ms: number): void;
  /** Number of timers not yet run. */
  pending(): number;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    after(ms, fn) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let nextId: number | undefined;
        let nextAt = Infinity;
        for (const [id, t] of timers) if (t.at <= target && t.at < nextAt) [nextId, nextAt] = [id, t.at];
        if (nextId === undefined) break;
        const timer = timers.get(nextId);
        timers.delete(nextId);
        now = nextAt;
        timer?.fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}
