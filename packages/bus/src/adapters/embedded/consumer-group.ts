import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BusError } from '../../bus-error.js';
import { PARTITION_COUNT } from '../../partition.js';
import { CoalescingWriter, writeFileAtomic } from './durable-file.js';
import type { StreamLog } from './stream-log.js';

/** The durable state of one (group, partition). */
export interface Cursor {
  /** Seq of the last event of this partition that was acknowledged or dead-lettered (0: none). */
  floor: number;
  /** Deliveries so far of the head event (the first after `floor`); the next delivery's attempt is this + 1. */
  delivered: number;
  /** While the head is in flight: when its lease expires (ack wait), in clock ms; else null. */
  leaseUntil: number | null;
  /** After a nak: the head is not delivered before this time (clock ms). */
  notBefore: number;
}

/** A delivery leased by {@link ConsumerGroup.lease}: the token an ack or nak must present. */
export interface Lease {
  partition: number;
  seq: number;
  attempt: number;
}

const cursorSchema = z.object({
  floor: z.number().int().min(0),
  delivered: z.number().int().min(0),
  leaseUntil: z.number().nullable(),
  notBefore: z.number(),
});
const fileSchema = z.object({
  version: z.literal(1),
  group: z.string(),
  cursors: z.array(cursorSchema).length(PARTITION_COUNT),
});

function freshCursor(): Cursor {
  return { floor: 0, delivered: 0, leaseUntil: null, notBefore: 0 };
}

/**
 * A consumer group's cursors on one stream: at most one delivery in flight per partition (so per key), with
 * attempt counting, ack-wait leases and nak delays. The whole state is one small JSON file, rewritten
 * atomically (write, fsync, rename) with group commit.
 */
export class ConsumerGroup {
  readonly name: string;
  readonly cursors: Cursor[];
  readonly #path: string;
  readonly #writer: CoalescingWriter;

  private constructor(name: string, path: string, cursors: Cursor[]) {
    this.name = name;
    this.#path = path;
    this.cursors = cursors;
    this.#writer = new CoalescingWriter(() => writeFileAtomic(this.#path, this.#serialise()));
  }

  /** A group with no history (starts at the beginning of the stream). */
  static create(name: string, path: string): ConsumerGroup {
    return new ConsumerGroup(
      name,
      path,
      Array.from({ length: PARTITION_COUNT }, () => freshCursor()),
    );
  }

  /** Loads a group's state file; `lastSeq` clamps cursors to the recovered log. */
  static async load(name: string, path: string, lastSeq: number): Promise<ConsumerGroup> {
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
    } catch (error) {
      throw new BusError('storage', `cannot read consumer group state ${path}`, { cause: error });
    }
    const cursors = parsed.cursors.map((cursor) =>
      cursor.floor > lastSeq ? freshCursorAt(lastSeq) : { ...cursor },
    );
    return new ConsumerGroup(name, path, cursors);
  }

  #serialise(): string {
    return `${JSON.stringify({ version: 1, group: this.name, cursors: this.cursors })}\n`;
  }

  /** Writes the state durably (coalesced with concurrent calls). */
  persist(): Promise<void> {
    return this.#writer.persist();
  }

  /** Resolves once every requested write has finished. */
  idle(): Promise<void> {
    return this.#writer.idle();
  }

  /**
   * Leases the head event of each of `partitions` that is free at `now` (no unexpired lease, no nak delay).
   * Returns the leases and the earliest time a blocked partition with a head event frees up (Infinity if none).
   */
  lease(
    log: StreamLog,
    partitions: Iterable<number>,
    ackWaitMs: number,
    now: number,
  ): { leases: Lease[]; nextAt: number } {
    const leases: Lease[] = [];
    let nextAt = Infinity;
    for (const partition of partitions) {
      const cursor = this.cursors[partition];
      if (cursor === undefined) continue;
      const head = log.headAfter(partition, cursor.floor);
      if (head === undefined) continue;
      if (cursor.leaseUntil !== null && cursor.leaseUntil > now) {
        nextAt = Math.min(nextAt, cursor.leaseUntil);
        continue;
      }
      if (cursor.notBefore > now) {
        nextAt = Math.min(nextAt, cursor.notBefore);
        continue;
      }
      cursor.delivered += 1;
      cursor.leaseUntil = now + ackWaitMs;
      cursor.notBefore = 0;
      leases.push({ partition, seq: head, attempt: cursor.delivered });
    }
    return { leases, nextAt };
  }

  /** Whether `lease` is the partition's current delivery (not superseded by a redelivery or an ack). */
  #current(log: StreamLog, lease: Lease): Cursor | undefined {
    const cursor = this.cursors[lease.partition];
    if (cursor === undefined || cursor.leaseUntil === null) return undefined;
    if (cursor.delivered !== lease.attempt) return undefined;
    if (log.headAfter(lease.partition, cursor.floor) !== lease.seq) return undefined;
    return cursor;
  }

  /** Acknowledges a delivery: the partition moves on. False if the lease is stale. */
  ack(log: StreamLog, lease: Lease): boolean {
    const cursor = this.#current(log, lease);
    if (cursor === undefined) return false;
    cursor.floor = lease.seq;
    cursor.delivered = 0;
    cursor.leaseUntil = null;
    cursor.notBefore = 0;
    return true;
  }

  /** Rejects a delivery: it is redelivered (same partition head) after `delayMs`. False if stale. */
  nak(log: StreamLog, lease: Lease, delayMs: number, now: number): boolean {
    const cursor = this.#current(log, lease);
    if (cursor === undefined) return false;
    cursor.leaseUntil = null;
    cursor.notBefore = now + delayMs;
    return true;
  }
}

function freshCursorAt(floor: number): Cursor {
  return { ...freshCursor(), floor };
}
