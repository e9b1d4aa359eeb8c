/**
 * One append-only segment file and its in-memory index: streams → postings, trace id → records, time range.
 * Appends are buffered and written with one `write` per batch; `sync()` makes them durable (fdatasync).
 * Recovery re-reads a file, checks every record's CRC and truncates a torn tail.
 */
import { closeSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Labels } from '../model/labels.js';
import { addPosting, type PostingChunk } from './log-postings.js';
import { decodeBody, scanRecords, SEGMENT_MAGIC } from './log-record.js';
import { splitNs } from './log-time.js';
import { TraceIndex } from './log-trace-index.js';

const fdatasyncAsync = promisify(fdatasync);

/** Gaps up to this size between wanted records are read through rather than split into two reads. */
const READ_GAP_BYTES = 64 * 1024;
/** Largest single read when records are coalesced. */
const READ_MAX_BYTES = 4 * 1024 * 1024;
/** Pending bytes that trigger a write without waiting for the next flush. */
const WRITE_BATCH_BYTES = 256 * 1024;

/** The file name of segment `id` (zero-padded, so names sort like ids). */
export function segmentFileName(id: number): string {
  return `segment-${String(id).padStart(12, '0')}.log`;
}

/** The id of a segment file name, or undefined for other files. */
export function segmentIdOf(name: string): number | undefined {
  const m = /^segment-(\d{12})\.log$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** A byte range of a record in a segment. */
export interface RecordRef {
  readonly offset: number;
  readonly length: number;
}

/** A segment: file, buffered writes, postings, trace index and time range. */
export class LogSegment {
  readonly id: number;
  readonly path: string;
  /** Global stream id → time-sorted chunks of that stream's entries here. */
  readonly streams = new Map<number, PostingChunk[]>();
  /** Trace id → records of its entries here. */
  readonly traces = new TraceIndex();
  /** Local (in-file) stream id → global stream id. */
  readonly localToGlobal: number[] = [];
  /** Global stream id → local stream id, for streams declared in this file. */
  readonly globalToLocal = new Map<number, number>();
  /** Smallest and largest entry time (floor ms); +∞/−∞ while empty. */
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;
  entries = 0;
  readonly createdAtMs: number;
  #writeFd: number | undefined;
  #fileBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #reader: Promise<FileHandle> | undefined;

  private constructor(id: number, path: string, writeFd: number | undefined, fileBytes: number, now: number) {
    this.id = id;
    this.path = path;
    this.#writeFd = writeFd;
    this.#fileBytes = fileBytes;
    this.createdAtMs = now;
  }

  /** Creates a new, empty, writable segment file in `dir`. */
  static create(dir: string, id: number, nowMs: number): LogSegment {
    const path = join(dir, segmentFileName(id));
    const fd = openSync(path, 'wx');
    writeSync(fd, SEGMENT_MAGIC);
    return new LogSegment(id, path, fd, SEGMENT_MAGIC.length, nowMs);
  }

  /**
   * Reopens a sealed segment and rebuilds its index. `streamOf` maps a stream record's labels to a global
   * stream id. A torn or corrupt tail is truncated away and reported through `warn`; a file that is not a
   * segment yields undefined (left untouched).
   */
  static recover(
    dir: string,
    id: number,
    nowMs: number,
    streamOf: (labels: Labels) => number,
    warn: (message: string) => void,
  ): LogSegment | undefined {
    const path = join(dir, segmentFileName(id));
    const buf = readFileSync(path);
    const magicLength = SEGMENT_MAGIC.length;
    if (buf.length < magicLength || !buf.subarray(0, magicLength).equals(SEGMENT_MAGIC)) {
      if (buf.length <= magicLength && SEGMENT_MAGIC.subarray(0, buf.length).equals(buf)) {
        truncateTo(path, 0, SEGMENT_MAGIC); // crashed while being created: an empty segment
        return new LogSegment(id, path, undefined, magicLength, nowMs);
      }
      warn(`${path}: not a log segment (bad magic), ignored`);
      return undefined;
    }
    const segment = new LogSegment(id, path, undefined, 0, nowMs);
    let bad = false;
    const end = scanRecords(buf, magicLength, ({ offset, length, body }) => {
      if (bad) return;
      const record = decodeBody(body, false);
      if (record?.kind === 'stream') {
        segment.declareStream(record.localId, streamOf(record.labels));
      } else if (record?.kind === 'entry' && record.localId < segment.localToGlobal.length) {
        segment.indexEntry(segment.localToGlobal[record.localId]!, record.timestampNs, record.traceId, {
          offset,
          length,
        });
      } else {
        bad = true;
        warn(`${path}: undecodable record at ${offset}, ignored with the rest of the file`);
      }
    });
    if (end < buf.length) {
      warn(`${path}: torn or corrupt tail of ${buf.length - end} bytes at ${end} truncated`);
      truncateTo(path, end);
    }
    segment.#fileBytes = end;
    segment.trim();
    return segment;
  }

  /** Bytes of the segment, written and pending. */
  get bytes(): number {
    return this.#fileBytes + this.#pendingBytes;
  }

  /** Whether the segment still takes appends. */
  get writable(): boolean {
    return this.#writeFd !== undefined;
  }

  /** Records that `localId` in this file names global stream `streamId`. */
  declareStream(localId: number, streamId: number): void {
    this.localToGlobal[localId] = streamId;
    this.globalToLocal.set(streamId, localId);
  }

  /** Buffers a framed record for writing; returns its offset in the file. */
  appendRecord(record: Buffer): number {
    if (this.#writeFd === undefined) throw new Error(`segment ${this.id} is sealed`);
    const offset = this.bytes;
    this.#pending.push(record);
    this.#pendingBytes += record.length;
    if (this.#pendingBytes >= WRITE_BATCH_BYTES) this.writePending();
    return offset;
  }

  /** Adds an entry to the postings (and the trace index) of this segment. */
  indexEntry(streamId: number, timestampNs: bigint, traceId: string | undefined, ref: RecordRef): void {
    const { ms, sub } = splitNs(timestampNs);
    let chunks = this.streams.get(streamId);
    if (chunks === undefined) {
      chunks = [];
      this.streams.set(streamId, chunks);
    }
    addPosting(chunks, ms, sub, ref.offset, ref.length);
    if (traceId !== undefined) this.traces.add(traceId, ref);
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.entries++;
  }

  /** Whether the segment may hold entries in [fromMs, toMs] (floor milliseconds, inclusive). */
  overlaps(fromMs: number, toMs: number): boolean {
    return this.entries > 0 && this.minMs <= toMs && this.maxMs >= fromMs;
  }

  /** Writes the buffered records to the file (no fsync). */
  writePending(): void {
    if (this.#writeFd === undefined || this.#pendingBytes === 0) return;
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    let written = 0;
    while (written < data.length) {
      written += writeSync(this.#writeFd, data, written, data.length - written, this.#fileBytes + written);
    }
    this.#fileBytes += data.length;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Writes and fdatasyncs everything appended so far. */
  async sync(): Promise<void> {
    this.writePending();
    if (this.#writeFd !== undefined) await fdatasyncAsync(this.#writeFd);
  }

  /** Writes, fsyncs and closes the file for writing; the segment becomes read-only. */
  seal(): void {
    if (this.#writeFd === undefined) return;
    this.writePending();
    fsyncSync(this.#writeFd);
    closeSync(this.#writeFd);
    this.#writeFd = undefined;
    this.trim();
  }

  /** Releases spare posting capacity. */
  trim(): void {
    for (const chunks of this.streams.values()) for (const chunk of chunks) chunk.trim();
    this.traces.trim();
  }

  /** Approximate bytes of memory held by the index of this segment. */
  get indexMemoryBytes(): number {
    let bytes = 0;
    for (const chunks of this.streams.values()) for (const chunk of chunks) bytes += chunk.memoryBytes + 64;
    bytes += this.traces.memoryBytes;
    return bytes;
  }

  /** Reads records by reference (results in the order of `refs`), coalescing nearby ones into one read. */
  async readRecords(refs: readonly RecordRef[]): Promise<Buffer[]> {
    if (refs.length === 0) return [];
    const order = refs.map((_, i) => i).sort((a, b) => refs[a]!.offset - refs[b]!.offset);
    const out = new Array<Buffer>(refs.length);
    let lastEnd = 0;
    for (const ref of refs) lastEnd = Math.max(lastEnd, ref.offset + ref.length);
    if (lastEnd > this.#fileBytes) this.writePending(); // the query wants records still in the buffer
    const file = await this.#readHandle();
    let i = 0;
    while (i < order.length) {
      const first = refs[order[i]!]!;
      let end = first.offset + first.length;
      let j = i + 1;
      while (j < order.length) {
        const next = refs[order[j]!]!;
        const nextEnd = Math.max(end, next.offset + next.length);
        if (next.offset - end > READ_GAP_BYTES || nextEnd - first.offset > READ_MAX_BYTES) break;
        end = nextEnd;
        j++;
      }
      const buf = Buffer.allocUnsafe(end - first.offset);
      const { bytesRead } = await file.read(buf, 0, buf.length, first.offset);
      if (bytesRead < buf.length) throw new Error(`${this.path}: short read at ${first.offset}`);
      for (let k = i; k < j; k++) {
        const ref = refs[order[k]!]!;
        out[order[k]!] = buf.subarray(ref.offset - first.offset, ref.offset - first.offset + ref.length);
      }
      i = j;
    }
    return out;
  }

  /** Closes the file handles (writes pending records first, without fsync). */
  async close(): Promise<void> {
    if (this.#writeFd !== undefined) {
      this.writePending();
      closeSync(this.#writeFd);
      this.#writeFd = undefined;
    }
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader !== undefined) await (await reader).close();
  }

  /** Closes and deletes the file. */
  async delete(): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.close();
    await unlink(this.path);
  }

  #readHandle(): Promise<FileHandle> {
    this.#reader ??= open(this.path, 'r');
    return this.#reader;
  }
}

function truncateTo(path: string, length: number, rewrite?: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    if (rewrite !== undefined) writeSync(fd, rewrite, 0, rewrite.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
