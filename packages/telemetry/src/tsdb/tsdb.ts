/**
 * The embedded time-series database: a head of recent data in memory (made durable by the WAL), cut every
 * block duration into immutable blocks on disk, which compaction merges and retention deletes. Prometheus's
 * TSDB design, sized for one process of opsloop's own telemetry.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tryPidLock, type PidLock } from '@opsloop/kit';
import type { LabelMatcher, Labels } from '../model/labels.js';
import { OutOfOrderSampleError, type SeriesSamples } from '../model/series-store.js';
import { BlockSet } from './block-set.js';
import { DecodedChunkCache } from './decoded-chunk-cache.js';
import { floatHi, floatLo } from './float-bits.js';
import { Head } from './head.js';
import type { ChunkSource, MemSeries } from './head-series.js';
import { matchingLabelSets, selectSamples, type ChunkSelector } from './tsdb-query.js';
import {
  resolveTsdbOptions,
  TsdbClosedError,
  TsdbLockedError,
  type ResolvedTsdbOptions,
  type SeriesRef,
  type Tsdb,
  type TsdbOptions,
  type TsdbStats,
} from './tsdb-options.js';
import { Wal } from './wal.js';

/** A promise of `compute()`'s result, rejected with what it throws. */
function settle<T>(compute: () => T): Promise<T> {
  return new Promise((resolve) => resolve(compute()));
}

class EmbeddedTsdb implements Tsdb {
  readonly dir: string;
  readonly #options: ResolvedTsdbOptions;
  readonly #head: Head;
  readonly #wal: Wal;
  readonly #blocks: BlockSet;
  readonly #lock: PidLock;
  readonly #decoded: DecodedChunkCache;
  /** Block cuts, compactions and retention run one at a time, in order. */
  #maintenance: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ResolvedTsdbOptions, head: Head, wal: Wal, blocks: BlockSet, lock: PidLock) {
    this.dir = options.dir;
    this.#options = options;
    this.#head = head;
    this.#wal = wal;
    this.#blocks = blocks;
    this.#lock = lock;
    this.#decoded = new DecodedChunkCache(options.decodedChunkCacheBytes);
  }

  append(labels: Labels, timestampMs: number, value: number): void {
    this.#assertOpen();
    const head = this.#head;
    head.append(head.getOrCreate(labels), timestampMs, floatHi(value), floatLo(value));
  }

  getRef(labels: Labels): SeriesRef {
    this.#assertOpen();
    return this.#head.getOrCreate(labels).id;
  }

  appendRef(ref: SeriesRef, timestampMs: number, value: number): void {
    this.#assertOpen();
    const head = this.#head;
    head.append(head.byRef(ref), timestampMs, floatHi(value), floatLo(value));
  }

  async commit(): Promise<void> {
    this.#assertOpen();
    await this.#wal.commit();
    await this.maintain();
  }

  // Queries run synchronously on in-memory data; the promise carries a thrown error as a rejection.
  select(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<SeriesSamples[]> {
    return settle(() => {
      this.#assertOpen();
      return selectSamples(this.#sources(), matchers, minT, maxT, this.#decoded);
    });
  }

  labelNames(matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<string[]> {
    return settle(() => {
      this.#assertOpen();
      const names = new Set<string>();
      for (const labels of matchingLabelSets(this.#sources(), matchers, minT, maxT)) {
        for (const name of Object.keys(labels)) names.add(name);
      }
      return [...names].sort();
    });
  }

  labelValues(
    name: string,
    matchers: readonly LabelMatcher[],
    minT: number,
    maxT: number,
  ): Promise<string[]> {
    return settle(() => {
      this.#assertOpen();
      const values = new Set<string>();
      for (const labels of matchingLabelSets(this.#sources(), matchers, minT, maxT)) {
        const value = labels[name];
        if (value !== undefined && value !== '') values.add(value);
      }
      return [...values].sort();
    });
  }

  stats(): TsdbStats {
    const head = this.#head.chunkStats();
    let blockSamples = 0;
    let blockChunkBytes = 0;
    let blockDiskBytes = 0;
    for (const block of this.#blocks.blocks) {
      blockSamples += block.meta.numSamples;
      blockChunkBytes += block.chunkBytes;
      blockDiskBytes += block.diskBytes;
    }
    const numSamples = this.#head.numSamples + blockSamples;
    const walBytes = this.#wal.diskBytes();
    return {
      numSeries: this.#head.numSeries,
      numSamples,
      headSamples: this.#head.numSamples,
      headChunks: head.chunks,
      blocks: this.#blocks.blocks.length,
      bytesInMemory: head.bytes + blockChunkBytes,
      bytesOnDisk: walBytes + blockDiskBytes,
      walBytes,
      bytesPerSample: numSamples === 0 ? 0 : (head.bytes + blockChunkBytes) / numSamples,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoded.clear();
    try {
      await this.#maintenance;
      await this.#wal.close();
    } finally {
      this.#lock.release();
    }
  }

  /** Cuts blocks while the head spans more than 1.5 block durations, then compacts and applies retention. */
  maintain(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const run = this.#maintenance.then(() => this.#maintainNow());
    this.#maintenance = run.catch(() => undefined);
    return run;
  }

  async #maintainNow(): Promise<void> {
    const { blockDurationMs, retentionMs, retentionBytes, compaction } = this.#options;
    const head = this.#head;
    let cut = false;
    while (!this.#closed && head.maxT - head.minT > blockDurationMs * 1.5) {
      const start = Math.floor(head.minT / blockDurationMs) * blockDurationMs;
      const end = start + blockDurationMs;
      const series = head.chunksBefore(end);
      if (series.length > 0) {
        await this.#blocks.add({ minTime: start, maxTime: end, series, level: 1, sources: [] });
      }
      head.dropChunksBefore(end);
      const live = [...head.series()].map((s: MemSeries) => ({ id: s.id, labels: s.labels }));
      await this.#wal.truncate(end, live);
      cut = true;
    }
    if (!cut) return;
    if (compaction) await this.#blocks.compact(blockDurationMs, retentionMs / 10);
    await this.#blocks.applyRetention(retentionMs, retentionBytes);
    this.#pruneDecoded();
  }

  /** Drops cached decodings of chunks no longer in any block or in the head. */
  #pruneDecoded(): void {
    if (this.#decoded.size === 0) return;
    const live = new Set<ChunkSource>();
    for (const block of this.#blocks.blocks) {
      for (const series of block.allSeries()) for (const chunk of series.chunks) live.add(chunk);
    }
    for (const series of this.#head.series()) for (const chunk of series.closed) live.add(chunk);
    this.#decoded.prune((chunk) => live.has(chunk));
  }

  #sources(): ChunkSelector[] {
    return [...this.#blocks.blocks, this.#head];
  }

  #assertOpen(): void {
    if (this.#closed) throw new TsdbClosedError(`the tsdb in ${this.dir} is closed`);
  }
}

/**
 * Opens (or creates) the database in `options.dir`: takes the directory's lock, loads the blocks, applies
 * retention, replays the WAL into the head and cuts any block that is due. Throws TsdbLockedError when another
 * live process (or this one) holds the directory.
 */
export async function createTsdb(options: TsdbOptions): Promise<Tsdb> {
  const resolved = resolveTsdbOptions(options);
  await mkdir(resolved.dir, { recursive: true });
  const lockPath = join(resolved.dir, 'lock');
  const lock = tryPidLock(lockPath);
  if (!('release' in lock)) {
    throw new TsdbLockedError(`${resolved.dir} is in use by process ${lock.holder} (lock file ${lockPath})`);
  }
  let wal: Wal | undefined;
  let db: EmbeddedTsdb;
  try {
    const blocks = await BlockSet.open(join(resolved.dir, 'blocks'));
    await blocks.applyRetention(resolved.retentionMs, resolved.retentionBytes);
    const head = new Head(resolved.blockDurationMs);
    head.minValidTime = blocks.maxTime;
    wal = await replayInto(head, resolved);
    head.setLog(wal);
    db = new EmbeddedTsdb(resolved, head, wal, blocks, lock);
  } catch (error) {
    await wal?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
  try {
    await db.maintain();
  } catch (error) {
    await db.close().catch(() => undefined); // Releases the lock.
    throw error;
  }
  return db;
}

/** Opens the WAL, replaying it into the head; samples already in blocks or of unknown series are skipped. */
async function replayInto(head: Head, options: ResolvedTsdbOptions): Promise<Wal> {
  const byWalId = new Map<number, MemSeries>();
  let unknown = 0;
  let rejected = 0;
  const wal = await Wal.open(
    {
      dir: join(options.dir, 'wal'),
      segmentBytes: options.walSegmentBytes,
      segmentSpanMs: Math.max(1, Math.floor(options.blockDurationMs / 2)),
      fsync: options.fsync,
      fsyncIntervalMs: options.fsyncIntervalMs,
      now: options.now,
      onWarning: options.onWarning,
    },
    {
      series: (id, labels) => byWalId.set(id, head.restore(id, labels)),
      sample: (id, t, hi, lo) => {
        const series = byWalId.get(id);
        if (series === undefined) unknown++;
        else if (t < head.minValidTime) return;
        else {
          try {
            head.append(series, t, hi, lo);
          } catch (error) {
            if (!(error instanceof OutOfOrderSampleError)) throw error;
            rejected++;
          }
        }
      },
    },
  );
  if (unknown > 0) options.onWarning(`WAL replay: ${unknown} samples of undefined series skipped`);
  if (rejected > 0) options.onWarning(`WAL replay: ${rejected} out-of-order samples skipped`);
  // Series whose every sample was already in a block.
  head.dropChunksBefore(head.minValidTime);
  return wal;
}
