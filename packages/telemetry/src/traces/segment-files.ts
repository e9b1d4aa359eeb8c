/**
 * The store's directory of append-only segment files (`segment-0000000001.log`, ...): recovery on open
 * (torn tails truncated), appends to the active segment with rolling by size and age, positional reads, and
 * deletion of whole segments for retention. It knows frames and receive times, not spans.
 */
import { mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrame, frameAt, scanFrames } from './segment-log.js';

/** Where a record lives. */
export interface RecordLocation {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
}

/** What the files know of one segment. */
export interface SegmentMeta {
  readonly id: number;
  size: number;
  /** Receive times of its first and last record (ms); NaN while empty. */
  firstMs: number;
  lastMs: number;
}

/** Options of {@link SegmentFiles.open}. */
export interface SegmentFilesOptions {
  readonly dir: string;
  /** A segment is sealed once it holds this many bytes. */
  readonly segmentBytes: number;
  /** A segment is sealed once its first record is this old. */
  readonly segmentMs: number;
}

/** Called for each record found on open; returns its receive time, or undefined if it is unreadable. */
export type RecordVisitor = (location: RecordLocation, payload: Buffer) => number | undefined;

/** What recovery found. */
export interface RecoveryReport {
  /** Bytes cut from the end of segments (torn or corrupt tails). */
  readonly truncatedBytes: number;
  /** Records with a valid frame whose payload could not be read. */
  readonly unreadableRecords: number;
}

const NAME = /^segment-(\d{10})\.log$/;
const nameOf = (id: number) => `segment-${String(id).padStart(10, '0')}.log`;

/** The segment files of one store directory. */
export class SegmentFiles {
  readonly #options: SegmentFilesOptions;
  readonly #segments = new Map<number, SegmentMeta>();
  readonly #readers = new Map<number, Promise<FileHandle>>();
  #active: { id: number; handle: FileHandle } | undefined;
  #nextId = 1;
  #dirDirty = false;

  private constructor(options: SegmentFilesOptions) {
    this.#options = options;
  }

  /** Opens (creating) the directory and replays every record to `visit`, oldest first. */
  static async open(
    options: SegmentFilesOptions,
    visit: RecordVisitor,
  ): Promise<{ files: SegmentFiles; recovery: RecoveryReport }> {
    await mkdir(options.dir, { recursive: true });
    const files = new SegmentFiles(options);
    const ids = (await readdir(options.dir))
      .map((name) => NAME.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let truncatedBytes = 0;
    let unreadableRecords = 0;
    for (const id of ids) {
      const path = join(options.dir, nameOf(id));
      const data = await readFile(path);
      const scan = scanFrames(data);
      if (scan.torn) {
        truncatedBytes += data.length - scan.validLength;
        await truncate(path, scan.validLength);
      }
      const meta: SegmentMeta = { id, size: scan.validLength, firstMs: NaN, lastMs: NaN };
      for (const frame of scan.frames) {
        const receivedMs = visit({ segment: id, offset: frame.offset, length: frame.length }, frame.payload);
        if (receivedMs === undefined) unreadableRecords++;
        else observe(meta, receivedMs);
      }
      files.#segments.set(id, meta);
      files.#nextId = id + 1;
    }
    return { files, recovery: { truncatedBytes, unreadableRecords } };
  }

  /** Appends records received at `nowMs`, in one write; returns their locations in order. */
  async append(payloads: readonly Uint8Array[], nowMs: number): Promise<RecordLocation[]> {
    const active = await this.#activeFor(nowMs);
    const meta = this.#segments.get(active.id)!;
    const frames = payloads.map(encodeFrame);
    const locations: RecordLocation[] = [];
    let offset = meta.size;
    for (const frame of frames) {
      locations.push({ segment: active.id, offset, length: frame.length });
      offset += frame.length;
    }
    const buffer = Buffer.concat(frames);
    try {
      let written = 0;
      while (written < buffer.length) {
        written += (await active.handle.write(buffer, written, buffer.length - written)).bytesWritten;
      }
    } catch (error) {
      // Cut a partial write off now, or later records would land after garbage and be lost on recovery.
      await active.handle.truncate(meta.size).catch(() => undefined);
      throw error;
    }
    meta.size = offset;
    observe(meta, nowMs);
    return locations;
  }

  /**
   * The payloads at `locations`: undefined where a frame no longer verifies, or its segment was dropped
   * (retention may delete a segment between a lookup in the index and this read).
   */
  async read(locations: readonly RecordLocation[]): Promise<(Buffer | undefined)[]> {
    return Promise.all(
      locations.map(async (location) => {
        if (!this.#segments.has(location.segment)) return undefined;
        try {
          const handle = await this.#reader(location.segment);
          const buffer = Buffer.allocUnsafe(location.length);
          const { bytesRead } = await handle.read(buffer, 0, location.length, location.offset);
          return bytesRead === location.length ? frameAt(buffer, 0) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
  }

  /** Makes every appended record durable (fsync of the active segment and of new directory entries). */
  async sync(): Promise<void> {
    await this.#active?.handle.datasync();
    if (this.#dirDirty) {
      this.#dirDirty = false;
      const dir = await open(this.#options.dir, 'r');
      await dir.sync().finally(() => dir.close());
    }
  }

  /** The segments, oldest first. */
  segments(): SegmentMeta[] {
    return [...this.#segments.values()];
  }

  /** Total bytes of all segments. */
  totalBytes(): number {
    let total = 0;
    for (const meta of this.#segments.values()) total += meta.size;
    return total;
  }

  /** Deletes a segment (sealing it first if it is the active one). */
  async drop(id: number): Promise<void> {
    if (this.#active?.id === id) await this.#seal();
    this.#segments.delete(id);
    const reader = this.#readers.get(id);
    this.#readers.delete(id);
    if (reader !== undefined) await (await reader).close();
    await rm(join(this.#options.dir, nameOf(id)), { force: true });
  }

  /** Syncs and closes every file. */
  async close(): Promise<void> {
    await this.sync();
    await this.#seal();
    const readers = [...this.#readers.values()];
    this.#readers.clear();
    for (const reader of readers) await (await reader).close();
  }

  async #activeFor(nowMs: number): Promise<{ id: number; handle: FileHandle }> {
    if (this.#active !== undefined) {
      const meta = this.#segments.get(this.#active.id)!;
      const full = meta.size >= this.#options.segmentBytes;
      const old = nowMs - meta.firstMs >= this.#options.segmentMs;
      if (!full && !old) return this.#active;
      await this.#seal();
    }
    // After a restart the newest segment is reused while it has room, so restarts do not pile up files.
    const last = [...this.#segments.values()].at(-1);
    const reusable =
      last !== undefined &&
      last.size < this.#options.segmentBytes &&
      !(nowMs - last.firstMs >= this.#options.segmentMs);
    const id = reusable ? last.id : this.#nextId++;
    const handle = await open(join(this.#options.dir, nameOf(id)), 'a');
    if (!reusable) {
      this.#segments.set(id, { id, size: 0, firstMs: NaN, lastMs: NaN });
      this.#dirDirty = true;
    }
    this.#active = { id, handle };
    return this.#active;
  }

  async #seal(): Promise<void> {
    const active = this.#active;
    this.#active = undefined;
    if (active !== undefined) {
      await active.handle.datasync();
      await active.handle.close();
    }
  }

  #reader(id: number): Promise<FileHandle> {
    let reader = this.#readers.get(id);
    if (reader === undefined) {
      reader = open(join(this.#options.dir, nameOf(id)), 'r');
      // A failed open is not cached: the next read tries again.
      reader.catch(() => this.#readers.delete(id));
      this.#readers.set(id, reader);
    }
    return reader;
  }
}

function observe(meta: SegmentMeta, receivedMs: number): void {
  if (Number.isNaN(meta.firstMs) || receivedMs < meta.firstMs) meta.firstMs = receivedMs;
  if (Number.isNaN(meta.lastMs) || receivedMs > meta.lastMs) meta.lastMs = receivedMs;
}
