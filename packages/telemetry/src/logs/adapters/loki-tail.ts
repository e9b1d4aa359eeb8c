/**
 * A tail by polling: `query_range` forward from the newest timestamp seen, repeated. Loki's own tail is a
 * WebSocket (and ours is server-sent events); polling needs nothing but the query API, so it works through
 * any proxy and against both. The price: entries that arrive with a timestamp older than one already
 * delivered are not seen (Loki accepts out-of-order writes within its window), and a poll interval of delay.
 */
import type { LabeledLogEntry } from '../log-source.js';
import { msToNs } from '../log-time.js';
import { ForwardCursor } from './forward-cursor.js';

/** Waits `ms`, returning early when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What {@link pollTail} needs. */
export interface PollTailOptions {
  /** One forward page of the query in [startNs, endNs), oldest first. */
  readonly page: (startNs: bigint, endNs: bigint, signal?: AbortSignal) => Promise<LabeledLogEntry[]>;
  /** Entries per page: a full page is followed by the next at once. */
  readonly pageSize: number;
  /** Replay from here (ns, inclusive); default: from the clock's now. */
  readonly since: bigint | undefined;
  readonly signal: AbortSignal | undefined;
  /** The clock (ms). */
  readonly now: () => number;
  readonly intervalMs: number;
  readonly sleep?: Sleep;
}

/** A timer that resolves after `ms` or as soon as `signal` aborts. */
export const timerSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Entries of the query as they appear, until `signal` aborts or the consumer stops. */
export async function* pollTail(options: PollTailOptions): AsyncGenerator<LabeledLogEntry> {
  const { signal, pageSize } = options;
  const sleep = options.sleep ?? timerSleep;
  const cursor = new ForwardCursor(options.since ?? msToNs(options.now()));
  // A function, not a narrowed expression: the signal changes while the loop awaits.
  const aborted = () => signal?.aborted === true;
  while (!aborted()) {
    // Up to the clock's now (+1 ms: `end` is exclusive); never an empty or inverted range.
    const endNs = msToNs(options.now() + 1);
    const end = endNs > cursor.startNs ? endNs : cursor.startNs + 1n;
    let page: LabeledLogEntry[];
    try {
      page = await options.page(cursor.startNs, end, signal);
    } catch (error) {
      if (aborted()) return; // cancelled mid-request: not a failure
      throw error;
    }
    yield* cursor.accept(page, page.length >= pageSize);
    if (page.length < pageSize) await sleep(options.intervalMs, signal);
  }
}
