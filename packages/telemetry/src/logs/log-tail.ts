/**
 * Live tails: subscribers receive new matching entries as they are appended. A tail first replays a
 * snapshot of stored entries (from `since`), then delivers what arrived after the snapshot, so nothing is
 * missed or repeated. A slow reader's queue is bounded: the oldest queued entries are dropped and counted.
 */
import type { Labels } from '../model/labels.js';
import type { Pipeline } from './logql-pipeline.js';
import type { ScannedEntry, StreamInfo } from './log-scan.js';
import type { LabeledLogEntry } from './log-source.js';

/** Entries a subscriber may have queued before the oldest are dropped. */
export const TAIL_QUEUE_LIMIT = 10_000;

/** A live subscriber: its stream predicate, pipeline and queue. */
interface Subscriber {
  readonly selects: (labels: Labels) => boolean;
  readonly pipeline: Pipeline;
  readonly queue: LabeledLogEntry[];
  wake: (() => void) | undefined;
  dropped: number;
  readonly finish: () => void;
}

/** Fans appended entries out to tail subscribers. */
export class TailHub {
  readonly #subscribers = new Set<Subscriber>();

  /** Number of live subscribers. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Ends every tail (the store is closing). */
  closeAll(): void {
    for (const sub of [...this.#subscribers]) sub.finish();
  }

  /** Offers an appended entry to every subscriber (never throws into the appender). */
  publish(stream: StreamInfo, timestampNs: bigint, line: string): void {
    for (const sub of this.#subscribers) {
      try {
        if (!sub.selects(stream.labels)) continue;
        const out = sub.pipeline(line, stream.labels);
        if (out === undefined) continue;
        if (sub.queue.length >= TAIL_QUEUE_LIMIT) {
          sub.queue.shift();
          sub.dropped++;
        }
        sub.queue.push({ labels: out.labels, timestampNs, line: out.line });
        const wake = sub.wake;
        sub.wake = undefined;
        wake?.();
      } catch {
        // A failing tail must not fail the append.
      }
    }
  }

  /**
   * A tail: `replay` (started by the caller in the same tick as this call, so it is a snapshot) is read
   * first through `pipeline`, then live entries until `signal` aborts or the consumer stops.
   */
  tail(
    selects: (labels: Labels) => boolean,
    pipeline: Pipeline,
    replay: AsyncGenerator<readonly ScannedEntry[]> | undefined,
    signal: AbortSignal | undefined,
  ): AsyncIterableIterator<LabeledLogEntry> {
    let done = false;
    let replayed: LabeledLogEntry[] = [];
    const finish = (): void => {
      done = true;
      this.#subscribers.delete(sub);
      signal?.removeEventListener('abort', finish);
      const wake = sub.wake;
      sub.wake = undefined;
      wake?.();
    };
    const sub: Subscriber = { selects, pipeline, queue: [], wake: undefined, dropped: 0, finish };
    this.#subscribers.add(sub);
    if (signal?.aborted === true) finish();
    else signal?.addEventListener('abort', finish);
    const iterator: AsyncIterableIterator<LabeledLogEntry> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async (): Promise<IteratorResult<LabeledLogEntry>> => {
        while (!done) {
          if (replayed.length > 0) return { done: false, value: replayed.shift()! };
          if (replay !== undefined) {
            const batch = await replay.next();
            if (batch.done === true) replay = undefined;
            else replayed = runPipeline(pipeline, batch.value);
            continue;
          }
          if (sub.queue.length > 0) return { done: false, value: sub.queue.shift()! };
          await new Promise<void>((resolve) => (sub.wake = resolve));
        }
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<LabeledLogEntry>> => {
        finish();
        await replay?.return(undefined);
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}

function runPipeline(pipeline: Pipeline, batch: readonly ScannedEntry[]): LabeledLogEntry[] {
  const out: LabeledLogEntry[] = [];
  for (const entry of batch) {
    const result = pipeline(entry.line, entry.stream.labels);
    if (result !== undefined)
      out.push({ labels: result.labels, timestampNs: entry.timestampNs, line: result.line });
  }
  return out;
}
