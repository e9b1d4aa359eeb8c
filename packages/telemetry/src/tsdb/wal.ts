/**
 * The write-ahead log: numbered segment files `wal/00000001`, … of framed records (see wal-record.ts), and
 * at most one checkpoint `wal/checkpoint.NNNNNNNN` holding the series definitions still needed once the
 * segments up to NNNNNNNN were deleted. Appends are buffered; `commit` writes them with one `write` and
 * fdatasyncs at most once per `fsyncIntervalMs`.
 */
import { mkdir, open, readdir, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Labels } from '../model/labels.js';
import { fsyncDirectory, removePath, writeFileDurably } from './fs-durable.js';
import type { HeadLog } from './head.js';
import { encodeSeriesRecord, readFrames, WalBuffer, type WalRecordHandlers } from './wal-record.js';

/** Options of {@link Wal.open}. */
export interface WalOptions {
  /** The `wal` directory (created when missing). */
  dir: string;
  /** A segment is closed and a new one started once it reaches this size. */
  segmentBytes: number;
  /**
   * …or once a commit holds a sample past the next multiple of this span after the segment's first sample
   * (half a block duration): segments then cover bounded time ranges, so a block cut can delete all but ~1.
   */
  segmentSpanMs: number;
  /** Whether commits fdatasync the segment (at most once per `fsyncIntervalMs`). */
  fsync: boolean;
  fsyncIntervalMs: number;
  now: () => number;
  /** Told about repairs (a torn tail truncated, damaged segments dropped). */
  onWarning: (message: string) => void;
}

const SEGMENT_NAME = /^(\d{8})$/;
const CHECKPOINT_NAME = /^checkpoint\.(\d{8})$/;

function segmentName(n: number): string {
  return String(n).padStart(8, '0');
}

/** Writes all of `bytes` (a write may be partial in principle). */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** The write-ahead log; also the head's {@link HeadLog}. */
export class Wal implements HeadLog {
  readonly #options: WalOptions;
  readonly #buffer = new WalBuffer();
  /** Segment number → newest sample time in it; the last entry is the segment being written. */
  readonly #segments = new Map<number, { maxT: number; bytes: number }>();
  /** A commit with a sample at or past this time starts a new segment. */
  #rotateAt = Infinity;
  #checkpointBytes = 0;
  #current = 0;
  #handle: FileHandle | null = null;
  #queue: Promise<void> = Promise.resolve();
  #dirty = false;
  #lastSync = -Infinity;
  #closed = false;

  private constructor(options: WalOptions) {
    this.#options = options;
  }

  /**
   * Opens the log in `options.dir`, replaying the checkpoint and then every segment into `handlers`. A
   * damaged frame ends the replay: the segment is truncated there and later segments are deleted (a warning
   * says so). Writing continues in a new segment.
   */
  static async open(options: WalOptions, handlers: WalRecordHandlers): Promise<Wal> {
    const wal = new Wal(options);
    await wal.#replay(handlers);
    await wal.#startSegment(wal.#current + 1);
    return wal;
  }

  /** Buffers a series definition ({@link HeadLog}). */
  series(id: number, labels: Labels): void {
    this.#buffer.addSeries(id, labels);
  }

  /** Buffers a sample ({@link HeadLog}). */
  sample(id: number, t: number, hi: number, lo: number): void {
    this.#buffer.addSample(id, t, hi, lo);
  }

  /** Writes what was buffered until now (one write), fdatasyncing per the policy; commits run in order. */
  commit(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the WAL is closed'));
    const batch = this.#buffer.take();
    return this.#enqueue(() => this.#write(batch.bytes, batch.maxT));
  }

  /**
   * After a block holding everything before `before` was written: starts a new segment, then deletes the
   * oldest segments whose samples are all older than `before`, first writing a checkpoint with `live`, the
   * series definitions still needed.
   */
  truncate(before: number, live: ReadonlyArray<{ id: number; labels: Labels }>): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#handle === null) return; // Closed meanwhile.
      await this.#startSegment(this.#current + 1);
      let last = -1;
      for (const [n, segment] of this.#segments) {
        if (n === this.#current || segment.maxT >= before) break;
        last = n;
      }
      if (last < 0) return;
      const name = `checkpoint.${segmentName(last)}`;
      const record = encodeSeriesRecord(live);
      await writeFileDurably(join(this.#options.dir, `${name}.tmp`), record);
      await rename(join(this.#options.dir, `${name}.tmp`), join(this.#options.dir, name));
      await fsyncDirectory(this.#options.dir);
      this.#checkpointBytes = record.length;
      for (const entry of await readdir(this.#options.dir)) {
        const checkpoint = CHECKPOINT_NAME.exec(entry);
        if (checkpoint !== null && Number(checkpoint[1]) < last) await unlink(join(this.#options.dir, entry));
      }
      for (const n of [...this.#segments.keys()]) {
        if (n > last) break;
        await unlink(join(this.#options.dir, segmentName(n)));
        this.#segments.delete(n);
      }
    });
  }

  /** Bytes of the segments and checkpoint on disk. */
  diskBytes(): number {
    let total = this.#checkpointBytes;
    for (const segment of this.#segments.values()) total += segment.bytes;
    return total;
  }

  /** Number of segment files. */
  get segmentCount(): number {
    return this.#segments.size;
  }

  /** Writes what is buffered, syncs it (when fsync is on) and closes the segment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const batch = this.#buffer.take();
    this.#closed = true;
    await this.#enqueue(async () => {
      await this.#write(batch.bytes, batch.maxT);
      if (this.#options.fsync && this.#dirty) await this.#handle?.datasync();
      await this.#handle?.close();
      this.#handle = null;
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #write(bytes: Uint8Array, maxT: number): Promise<void> {
    if (this.#handle === null) throw new Error('the WAL is closed');
    if (bytes.length > 0) {
      let segment = this.#segments.get(this.#current)!;
      const full = segment.bytes + bytes.length > this.#options.segmentBytes;
      if (segment.bytes > 0 && (full || maxT >= this.#rotateAt)) {
        await this.#startSegment(this.#current + 1);
        segment = this.#segments.get(this.#current)!;
      }
      if (segment.bytes === 0 && maxT > -Infinity) {
        const span = this.#options.segmentSpanMs;
        this.#rotateAt = (Math.floor(maxT / span) + 1) * span;
      }
      try {
        await writeAll(this.#handle, bytes);
      } catch (error) {
        // Cut a partial write off so later records do not follow a torn one.
        await this.#handle.truncate(segment.bytes).catch(() => undefined);
        throw error;
      }
      segment.bytes += bytes.length;
      if (maxT > segment.maxT) segment.maxT = maxT;
      this.#dirty = true;
    }
    const now = this.#options.now();
    if (this.#options.fsync && this.#dirty && now - this.#lastSync >= this.#options.fsyncIntervalMs) {
      await this.#handle.datasync();
      this.#lastSync = now;
      this.#dirty = false;
    }
  }

  async #startSegment(n: number): Promise<void> {
    const previous = this.#handle;
    if (previous !== null) {
      if (this.#options.fsync && this.#dirty) await previous.datasync();
      await previous.close();
      this.#dirty = false;
    }
    this.#handle = await open(join(this.#options.dir, segmentName(n)), 'wx');
    this.#current = n;
    this.#segments.set(n, { maxT: -Infinity, bytes: 0 });
    this.#rotateAt = Infinity;
    await fsyncDirectory(this.#options.dir);
  }

  async #replay(handlers: WalRecordHandlers): Promise<void> {
    const { dir, onWarning } = this.#options;
    await mkdir(dir, { recursive: true });
    const entries = await readdir(dir);
    let checkpoint = -1;
    const segments: number[] = [];
    for (const entry of entries) {
      if (entry.endsWith('.tmp')) await removePath(join(dir, entry));
      const c = CHECKPOINT_NAME.exec(entry);
      if (c !== null) checkpoint = Math.max(checkpoint, Number(c[1]));
      const s = SEGMENT_NAME.exec(entry);
      if (s !== null) segments.push(Number(s[1]));
    }
    segments.sort((a, b) => a - b);
    if (checkpoint >= 0) {
      const bytes = await readFile(join(dir, `checkpoint.${segmentName(checkpoint)}`));
      const scan = readFrames(bytes, handlers);
      if (scan.damage !== null) {
        throw new Error(
          `the WAL checkpoint ${checkpoint} is damaged (${scan.damage}); it is written atomically`,
        );
      }
      this.#checkpointBytes = bytes.length;
      this.#current = checkpoint;
    }
    let damaged = false;
    for (const n of segments) {
      const path = join(dir, segmentName(n));
      if (n <= checkpoint || damaged) {
        // Covered by the checkpoint (a truncation was interrupted), or after a damaged segment.
        if (damaged) onWarning(`WAL segment ${segmentName(n)} follows a damaged one: deleted`);
        await unlink(path);
        continue;
      }
      const bytes = await readFile(path);
      const scan = readFrames(bytes, handlers);
      if (scan.damage !== null) {
        damaged = true;
        onWarning(`WAL segment ${segmentName(n)}: ${scan.damage}; truncated to ${scan.end} bytes`);
        await truncate(path, scan.end);
      }
      this.#segments.set(n, { maxT: scan.maxT, bytes: scan.end });
      this.#current = n;
    }
    if (checkpoint >= 0) {
      for (const entry of entries) {
        const c = CHECKPOINT_NAME.exec(entry);
        if (c !== null && Number(c[1]) < checkpoint) await unlink(join(dir, entry));
      }
    }
  }
}
