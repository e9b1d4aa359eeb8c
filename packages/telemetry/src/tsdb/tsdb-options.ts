/** The public shape of the embedded time-series database: options, the Tsdb interface, stats and errors. */
import type { Labels } from '../model/labels.js';
import type { SampleAppender, SeriesQuerier } from '../model/series-store.js';
import { DEFAULT_DECODED_CHUNK_CACHE_BYTES } from './decoded-chunk-cache.js';

/** Options of `createTsdb`. */
export interface TsdbOptions {
  /** Data directory (created when missing): `lock`, `wal/`, `blocks/`. One process at a time. */
  dir: string;
  /** Blocks entirely older than the newest block's end minus this are deleted. Default 15 days. */
  retentionMs?: number;
  /** When set, the oldest blocks are deleted while all blocks together take more bytes than this. */
  retentionBytes?: number;
  /** Time range of a block cut from the head. Default 2 hours. */
  blockDurationMs?: number;
  /** The clock (ms): paces fdatasync. Default Date.now. */
  now?: () => number;
  /** Whether commits fdatasync the WAL (at most once per `fsyncIntervalMs`). Default true. */
  fsync?: boolean;
  /** Minimum time between two fdatasyncs of the WAL; 0 syncs every commit. Default 1000. */
  fsyncIntervalMs?: number;
  /** Size at which a WAL segment is closed and the next started. Default 32 MiB. */
  walSegmentBytes?: number;
  /** Whether adjacent blocks are merged into 3×, 9×, … bigger ones (up to a tenth of retention). Default true. */
  compaction?: boolean;
  /**
   * Bytes of decoded samples of immutable chunks kept between queries (least recently used evicted first);
   * 0 turns the cache off. Default 64 MiB, enough for the decoded blocks of a day of 1 000 scraped series.
   */
  decodedChunkCacheBytes?: number;
  /** Told about repairs and dropped records (a torn WAL tail, a sample of an unknown series). */
  onWarning?: (message: string) => void;
}

/** Options with every default applied. */
export interface ResolvedTsdbOptions {
  readonly dir: string;
  readonly retentionMs: number;
  readonly retentionBytes: number | undefined;
  readonly blockDurationMs: number;
  readonly now: () => number;
  readonly fsync: boolean;
  readonly fsyncIntervalMs: number;
  readonly walSegmentBytes: number;
  readonly compaction: boolean;
  readonly decodedChunkCacheBytes: number;
  readonly onWarning: (message: string) => void;
}

const HOUR = 3_600_000;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved <= 0) {
    throw new RangeError(`tsdb option ${name} must be a positive integer, got ${String(value)}`);
  }
  return resolved;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < 0) {
    throw new RangeError(`tsdb option ${name} must be an integer ≥ 0, got ${String(value)}`);
  }
  return resolved;
}

/** Applies defaults and checks values (a RangeError names the bad option). */
export function resolveTsdbOptions(options: TsdbOptions): ResolvedTsdbOptions {
  const fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
  if (!Number.isFinite(fsyncIntervalMs) || fsyncIntervalMs < 0) {
    throw new RangeError(`tsdb option fsyncIntervalMs must be ≥ 0, got ${fsyncIntervalMs}`);
  }
  return {
    dir: options.dir,
    retentionMs: positiveInteger('retentionMs', options.retentionMs, 15 * 24 * HOUR),
    retentionBytes:
      options.retentionBytes === undefined
        ? undefined
        : positiveInteger('retentionBytes', options.retentionBytes, 1),
    blockDurationMs: positiveInteger('blockDurationMs', options.blockDurationMs, 2 * HOUR),
    now: options.now ?? Date.now,
    fsync: options.fsync ?? true,
    fsyncIntervalMs,
    walSegmentBytes: positiveInteger('walSegmentBytes', options.walSegmentBytes, 32 * 1024 * 1024),
    compaction: options.compaction ?? true,
    decodedChunkCacheBytes: nonNegativeInteger(
      'decodedChunkCacheBytes',
      options.decodedChunkCacheBytes,
      DEFAULT_DECODED_CHUNK_CACHE_BYTES,
    ),
    onWarning: options.onWarning ?? (() => undefined),
  };
}

/** Figures of a database. */
export interface TsdbStats {
  /** Series in the head (the "active series"). */
  numSeries: number;
  /** Samples stored: head and blocks. */
  numSamples: number;
  /** Samples in the head. */
  headSamples: number;
  /** Chunks in the head (closed and open). */
  headChunks: number;
  /** Number of blocks. */
  blocks: number;
  /** Chunk bytes held in memory: head chunks and the blocks' chunk files (kept compressed). */
  bytesInMemory: number;
  /** Bytes of the WAL and of every block's files. */
  bytesOnDisk: number;
  /** Bytes of the WAL's segments and checkpoint. */
  walBytes: number;
  /** Chunk bytes per stored sample: the Gorilla figure (Prometheus reports ~1.3 on real scrapes). */
  bytesPerSample: number;
}

/** A series reference from {@link Tsdb.getRef}: valid while the series stays in the head. */
export type SeriesRef = number;

/** The embedded time-series database. */
export interface Tsdb extends SampleAppender, SeriesQuerier {
  /** The data directory. */
  readonly dir: string;
  /**
   * The ref of a series (created when new) for {@link appendRef}, the allocation-free append path. A ref
   * stays valid while the series keeps samples in the head; after it was dropped (no samples for about
   * 1.5 block durations) appendRef throws UnknownSeriesRefError: get a new ref.
   */
  getRef(labels: Labels): SeriesRef;
  /** Appends a sample to the series of `ref`; same rules as {@link append}. */
  appendRef(ref: SeriesRef, timestampMs: number, value: number): void;
  /** Current figures. */
  stats(): TsdbStats;
  /** Writes and syncs the WAL, waits for a block cut in progress, releases the lock. Idempotent. */
  close(): Promise<void>;
}

/** Any use of a closed database. */
export class TsdbClosedError extends Error {
  override readonly name = 'TsdbClosedError';
}

/** The data directory is held by another live process (or already open in this one). */
export class TsdbLockedError extends Error {
  override readonly name = 'TsdbLockedError';
}
