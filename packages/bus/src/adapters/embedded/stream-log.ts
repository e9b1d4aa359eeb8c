import { mkdir, open, readdir, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@opsloop/kit';
import { BusError } from '../../bus-error.js';
import type { EventEnvelope, PublishResult } from '../../event-bus.js';
import { PARTITION_COUNT, partitionOf } from '../../partition.js';
import type { EncodedEvent } from '../../validation.js';
import { fsyncDirectory } from './durable-file.js';

/** One line of a segment file. */
interface LogLine {
  seq: number;
  /** Publish time (broker clock, ms), for the dedupe window after a restart. */
  ts: number;
  /** Partition of the event's key. */
  p: number;
  /** Dedupe id when it differs from `event.id` (dead-letter writes). */
  mid?: string;
  event: EventEnvelope;
}

interface Segment {
  firstSeq: number;
  path: string;
  size: number;
  reader?: Promise<FileHandle>;
}

interface PendingAppend {
  seq: number;
  partition: number;
  line: Buffer;
  eventJson: string;
  resolve: () => void;
  reject: (error: unknown) => void;
  dedupeId: string;
}

interface DedupeEntry {
  seq: number;
  ts: number;
  /** Settles when the entry is on disk; undefined once it is. */
  durable: Promise<void> | undefined;
}

/** Options of {@link StreamLog.open}. */
export interface StreamLogOptions {
  /** The stream's `log/` directory. */
  dir: string;
  stream: string;
  now: () => number;
  dedupeWindowMs: number;
  segmentBytes: number;
  /** Recent events kept in memory for delivery without a disk read. */
  cacheEvents: number;
  log?: Logger;
  /** Called after appended events became durable and visible, with their partitions. */
  onAppend: (partitions: ReadonlySet<number>) => void;
  /** Counts fsyncs of the log (for stats and the group-commit test). */
  onFsync: () => void;
}

const SEGMENT_NAME = /^(\d{20})\.jsonl$/;
const NEWLINE = 0x0a;

function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.jsonl`;
}

type Parsed = { line: LogLine } | { damage: 'unparsable' | 'invalid' };

function parseLine(text: string, expectedSeq: number): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { damage: 'unparsable' };
  }
  const line = (typeof value === 'object' && value !== null ? value : {}) as Partial<LogLine>;
  const event = line.event;
  const valid =
    line.seq === expectedSeq &&
    typeof line.ts === 'number' &&
    typeof line.p === 'number' &&
    Number.isInteger(line.p) &&
    line.p >= 0 &&
    line.p < PARTITION_COUNT &&
    (line.mid === undefined || typeof line.mid === 'string') &&
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string';
  return valid ? { line: line as LogLine } : { damage: 'invalid' };
}

/**
 * The append-only log of one stream: JSON-lines segment files named by their first sequence number. Appends
 * are group-committed (one write and one fdatasync for all appends waiting at that moment) and become visible
 * to consumers only once durable. On open the log is recovered: a torn tail of the last segment (a crash
 * during a write that no publisher saw acknowledged) is cut off; any other damage refuses to open.
 */
export class StreamLog {
  readonly stream: string;
  readonly #options: StreamLogOptions;
  readonly #segments: Segment[] = [];
  #writer: FileHandle | undefined;
  #nextSeq = 1;
  /** Location of each durable event, indexed by seq - 1. */
  readonly #segmentOf: number[] = [];
  readonly #offsetOf: number[] = [];
  readonly #lengthOf: number[] = [];
  /** Durable sequence numbers of each partition, ascending. */
  readonly #partitions: number[][] = Array.from({ length: PARTITION_COUNT }, () => []);
  readonly #cache = new Map<number, string>();
  readonly #dedupe = new Map<string, DedupeEntry>();
  readonly #dedupeOrder: { id: string; ts: number }[] = [];
  #dedupeHead = 0;
  #pending: PendingAppend[] = [];
  #flushQueued = false;
  #tail: Promise<void> = Promise.resolve();
  #broken: BusError | undefined;
  #closed = false;

  private constructor(options: StreamLogOptions) {
    this.stream = options.stream;
    this.#options = options;
  }

  /** Opens (and recovers) the log in `options.dir`, creating it if needed. */
  static async open(options: StreamLogOptions): Promise<StreamLog> {
    const log = new StreamLog(options);
    await log.#recover();
    return log;
  }

  /** Sequence number of the last durable event (0 when empty). */
  get lastSeq(): number {
    return this.#segmentOf.length;
  }

  async #recover(): Promise<void> {
    const { dir } = this.#options;
    await mkdir(dir, { recursive: true });
    const files = (await readdir(dir))
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ name: match[0], firstSeq: Number(match[1]) }))
      .sort((a, b) => a.firstSeq - b.firstSeq);
    const now = this.#options.now();
    let expected = 1;
    for (const [index, file] of files.entries()) {
      const path = join(dir, file.name);
      const isLast = index === files.length - 1;
      if (file.firstSeq !== expected) {
        throw new BusError(
          'storage',
          `stream ${this.stream}: segment ${path} starts at ${file.firstSeq}, expected ${expected}`,
        );
      }
      const buffer = await readFile(path);
      let position = 0;
      while (position < buffer.length) {
        const end = buffer.indexOf(NEWLINE, position);
        const parsed: Parsed =
          end === -1 ? { damage: 'unparsable' } : parseLine(buffer.toString('utf8', position, end), expected);
        if (!('line' in parsed)) {
          // Only an unfinished or unparsable final line is a torn append; anything else is damage.
          const torn = isLast && parsed.damage === 'unparsable' && !this.#hasLineAfter(buffer, end);
          if (!torn) {
            throw new BusError(
              'storage',
              `stream ${this.stream}: corrupt entry in ${path} at byte ${position} (expected seq ${expected})`,
            );
          }
          this.#options.log?.warn(
            { stream: this.stream, segment: path, offset: position, dropped_bytes: buffer.length - position },
            'bus log: dropping a torn tail (an append interrupted by a crash; it was never acknowledged)',
          );
          await truncate(path, position);
          break;
        }
        const { line } = parsed;
        this.#index(line.seq, line.p, index, position, end + 1 - position);
        if (line.ts >= now - this.#options.dedupeWindowMs)
          this.#remember(line.mid ?? line.event.id, line.seq, line.ts);
        expected += 1;
        position = end + 1;
      }
      this.#segments.push({ firstSeq: file.firstSeq, path, size: position });
    }
    this.#nextSeq = expected;
    if (this.#segments.length === 0) {
      const path = join(dir, segmentName(1));
      this.#segments.push({ firstSeq: 1, path, size: 0 });
    }
    const last = this.#segments[this.#segments.length - 1]!;
    this.#writer = await open(last.path, 'a');
    await fsyncDirectory(dir);
  }

  /** Whether another complete line follows the line ending at `end`. */
  #hasLineAfter(buffer: Buffer, end: number): boolean {
    return end !== -1 && end + 1 < buffer.length && buffer.indexOf(NEWLINE, end + 1) !== -1;
  }

  #index(seq: number, partition: number, segment: number, offset: number, length: number): void {
    this.#segmentOf.push(segment);
    this.#offsetOf.push(offset);
    this.#lengthOf.push(length);
    this.#partitions[partition]!.push(seq);
  }

  #remember(id: string, seq: number, ts: number, durable?: Promise<void>): void {
    this.#dedupe.set(id, { seq, ts, durable });
    this.#dedupeOrder.push({ id, ts });
  }

  #expireDedupe(now: number): void {
    const horizon = now - this.#options.dedupeWindowMs;
    while (this.#dedupeHead < this.#dedupeOrder.length) {
      const oldest = this.#dedupeOrder[this.#dedupeHead]!;
      if (oldest.ts >= horizon) break;
      const entry = this.#dedupe.get(oldest.id);
      if (entry !== undefined && entry.ts === oldest.ts && entry.durable === undefined)
        this.#dedupe.delete(oldest.id);
      this.#dedupeHead += 1;
    }
    if (this.#dedupeHead > 1024 && this.#dedupeHead * 2 > this.#dedupeOrder.length) {
      this.#dedupeOrder.splice(0, this.#dedupeHead);
      this.#dedupeHead = 0;
    }
  }

  /**
   * Appends an event; resolves once it is durable. An id (`dedupeId`, else the event id) already stored
   * within the dedupe window is not stored again: the first event's seq comes back with `duplicate: true`.
   */
  async append(encoded: EncodedEvent, dedupeId: string = encoded.envelope.id): Promise<PublishResult> {
    if (this.#closed) throw new BusError('closed', 'the broker is closed');
    if (this.#broken) throw this.#broken;
    const now = this.#options.now();
    this.#expireDedupe(now);
    const existing = this.#dedupe.get(dedupeId);
    if (existing !== undefined) {
      if (existing.durable) await existing.durable;
      return { seq: existing.seq, duplicate: true };
    }
    const seq = this.#nextSeq++;
    const partition = partitionOf(encoded.envelope.key);
    const mid = dedupeId === encoded.envelope.id ? '' : `,"mid":${JSON.stringify(dedupeId)}`;
    const line = Buffer.from(`{"seq":${seq},"ts":${now},"p":${partition}${mid},"event":${encoded.json}}\n`);
    const durable = new Promise<void>((resolve, reject) => {
      this.#pending.push({ seq, partition, line, eventJson: encoded.json, resolve, reject, dedupeId });
    });
    this.#remember(dedupeId, seq, now, durable);
    // Duplicates waiting on `durable` handle its rejection; this one is for the unhandled-rejection tracker.
    durable.catch(() => {});
    this.#scheduleFlush();
    await durable;
    return { seq, duplicate: false };
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    this.#tail = this.#tail.then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      if (this.#broken) throw this.#broken;
      let segment = this.#segments[this.#segments.length - 1]!;
      if (segment.size >= this.#options.segmentBytes) segment = await this.#roll(batch[0]!.seq);
      const data = Buffer.concat(batch.map((append) => append.line));
      const writer = this.#writer!;
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await writer.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await writer.datasync();
      this.#options.onFsync();
      const segmentIndex = this.#segments.length - 1;
      const partitions = new Set<number>();
      let offset = segment.size;
      for (const append of batch) {
        this.#index(append.seq, append.partition, segmentIndex, offset, append.line.length);
        this.#cacheEvent(append.seq, append.eventJson);
        offset += append.line.length;
        partitions.add(append.partition);
        const entry = this.#dedupe.get(append.dedupeId);
        if (entry?.seq === append.seq) entry.durable = undefined;
      }
      segment.size = offset;
      for (const append of batch) append.resolve();
      this.#options.onAppend(partitions);
    } catch (error) {
      // The file may now end with part of this batch: stop appending until a restart recovers the log.
      this.#broken ??= new BusError(
        'storage',
        `stream ${this.stream}: writing the log failed; restart the broker`,
        {
          cause: error,
        },
      );
      this.#options.log?.error({ err: error, stream: this.stream }, 'bus log: append failed');
      for (const append of batch) {
        const entry = this.#dedupe.get(append.dedupeId);
        if (entry?.seq === append.seq) this.#dedupe.delete(append.dedupeId);
        append.reject(this.#broken);
      }
    }
  }

  async #roll(firstSeq: number): Promise<Segment> {
    await this.#writer?.close();
    const segment: Segment = { firstSeq, path: join(this.#options.dir, segmentName(firstSeq)), size: 0 };
    this.#writer = await open(segment.path, 'a');
    await fsyncDirectory(this.#options.dir);
    this.#segments.push(segment);
    return segment;
  }

  #cacheEvent(seq: number, eventJson: string): void {
    this.#cache.set(seq, eventJson);
    while (this.#cache.size > this.#options.cacheEvents) {
      const oldest = this.#cache.keys().next();
      if (oldest.done === true) break;
      this.#cache.delete(oldest.value);
    }
  }

  /** The first durable seq of `partition` after `floor`, or undefined when the partition has none. */
  headAfter(partition: number, floor: number): number | undefined {
    const seqs = this.#partitions[partition];
    if (seqs === undefined) return undefined;
    let low = 0;
    let high = seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (seqs[mid]! <= floor) low = mid + 1;
      else high = mid;
    }
    return seqs[low];
  }

  /** Reads a durable event (a fresh object each time: handlers may mutate what they get). */
  async read(seq: number): Promise<EventEnvelope> {
    const cached = this.#cache.get(seq);
    if (cached !== undefined) return JSON.parse(cached) as EventEnvelope;
    const segmentIndex = this.#segmentOf[seq - 1];
    const segment = segmentIndex === undefined ? undefined : this.#segments[segmentIndex];
    if (segment === undefined) throw new BusError('protocol', `stream ${this.stream} has no event ${seq}`);
    segment.reader ??= open(segment.path, 'r');
    const reader = await segment.reader;
    const length = this.#lengthOf[seq - 1]!;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await reader.read(buffer, 0, length, this.#offsetOf[seq - 1]);
    const parsed = parseLine(buffer.toString('utf8', 0, bytesRead).trimEnd(), seq);
    if (!('line' in parsed)) throw new BusError('storage', `stream ${this.stream}: cannot read event ${seq}`);
    return parsed.line.event;
  }

  /** Waits for pending appends, then closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#writer?.close();
    this.#writer = undefined;
    for (const segment of this.#segments) {
      const reader = segment.reader;
      segment.reader = undefined;
      if (reader) await reader.then((handle) => handle.close()).catch(() => {});
    }
  }
}
