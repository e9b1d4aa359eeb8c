import type { RuntimeEvent } from '../events.js';

/** A runtime event with its sequence number and time, as `opsloop events` shows it. */
export type RecordedEvent = RuntimeEvent & { seq: number; at: string };

/** Events kept for `GET /v1/events` (like the Kubernetes event TTL, bounded by count here). */
export const EVENT_LOG_SIZE = 2_000;

/** A bounded, ordered log of runtime events with a long-poll wait for new ones. */
export interface EventLog {
  record(event: RuntimeEvent): void;
  /** Events with `seq > after`, oldest first (at most `limit`). */
  since(after: number, limit?: number): RecordedEvent[];
  /** Resolves once an event with `seq > after` exists (at once if one does), or after `timeoutMs`. */
  waitFor(after: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The last sequence number (0 before any event). */
  last(): number;
  close(): void;
}

/** Creates an {@link EventLog}; `now` gives each event its time. */
export function createEventLog(now: () => number, size = EVENT_LOG_SIZE): EventLog {
  const events: RecordedEvent[] = [];
  let seq = 0;
  let waiters: (() => void)[] = [];
  let closed = false;
  const wakeAll = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  return {
    record(event) {
      seq += 1;
      events.push({ ...event, seq, at: new Date(now()).toISOString() });
      if (events.length > size) events.shift();
      wakeAll();
    },
    since(after, limit = size) {
      const from = events.findIndex((e) => e.seq > after);
      return from < 0 ? [] : events.slice(from, from + limit);
    },
    waitFor(after, timeoutMs, signal) {
      if (seq > after || closed || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal?.addEventListener('abort', done, { once: true });
        waiters.push(done);
      });
    },
    last: () => seq,
    close() {
      closed = true;
      wakeAll();
    },
  };
}
