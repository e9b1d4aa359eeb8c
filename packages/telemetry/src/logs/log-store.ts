/**
 * The embedded log store: append-only segment files (rolled at `maxSegmentBytes` or after
 * `segmentMaxAgeMs`), an in-memory index rebuilt on open, retention by whole segments, and live tails.
 *
 * Memory: the index holds ~20 bytes per retained entry (postings in typed arrays), ~100 bytes per distinct
 * trace id per segment, and the stream label sets; disk use is bounded by `maxBytes` and `retentionMs`, so
 * memory is too (about 2 % of the retained bytes for 1 KB lines; `stats().indexMemoryBytes` reports it).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tryPidLock, type PidLock } from '@opsloop/kit';
import { normalizeLabels, type LabelMatcher, type Labels } from '../model/labels.js';
import { checkLogEntry, truncateLine } from './log-entry.js';
import { lineFacts } from './log-line.js';
import { LogIndex } from './log-index.js';
import { encodeEntryRecord, encodeStreamRecord } from './log-record.js';
import type { StreamInfo } from './log-scan.js';
import { LogSegment, segmentIdOf } from './log-segment.js';
import type {
  LabeledLogEntry,
  LogAppendEntry,
  LogAppender,
  LogMetricInstantOptions,
  LogMetricRangeOptions,
  LogMetricSample,
  LogMetricSeries,
  LogQueryOptions,
  LogSource,
  LogStream,
  LogTailOptions,
  LogTimeRange,
  TraceLogsOptions,
} from './log-source.js';
import { createLogStoreQueries } from './log-store-query.js';
import { TailHub } from './log-tail.js';
import { msToNs } from './log-time.js';

/** Options of {@link createLogStore}. */
export interface LogStoreOptions {
  /** Directory of the segment files (created if missing; one store per directory, enforced by a lock). */
  readonly dir: string;
  /** Segments whose newest entry is older than this are deleted; default 7 days. */
  readonly retentionMs?: number;
  /** Oldest segments are deleted while all segments together exceed this; default 1 GiB. */
  readonly maxBytes?: number;
  /** A segment is sealed and a new one started past this size; default 64 MiB (at most 4 GiB). */
  readonly maxSegmentBytes?: number;
  /** …or once it is this old; default 1 hour. */
  readonly segmentMaxAgeMs?: number;
  /** Longer lines are cut to this many bytes (on a character boundary); default 256 KiB, Loki's limit. */
  readonly maxLineBytes?: number;
  /** The clock (ms since the epoch): default timestamps, segment age and retention; default `Date.now`. */
  readonly now?: () => number;
  /** Recovery notes (torn tails truncated, foreign files ignored) and background write failures. */
  readonly onWarning?: (message: string) => void;
}

/** Size and memory of the store. */
export interface LogStoreStats {
  readonly segments: number;
  readonly bytes: number;
  readonly entries: number;
  readonly streams: number;
  readonly indexMemoryBytes: number;
}

/** The embedded log store: a {@link LogSource} and a {@link LogAppender}. */
export interface LogStore extends LogSource, LogAppender {
  /** Deletes segments past `retentionMs` or beyond `maxBytes` (also run on open and on each segment roll). */
  enforceRetention(): Promise<void>;
  /** Current size and index memory. */
  stats(): LogStoreStats;
  /** Flushes, closes files, ends tails and releases the directory lock. */
  close(): Promise<void>;
}

/** Opens (or creates) a log store in `options.dir`, rebuilding its index from the segment files. */
export async function createLogStore(options: LogStoreOptions): Promise<LogStore> {
  mkdirSync(options.dir, { recursive: true });
  const lock = tryPidLock(`${options.dir}/.lock`);
  if ('holder' in lock) throw new Error(`${options.dir} is in use by process ${lock.holder}`);
  const store = new EmbeddedLogStore(options, lock);
  await store.enforceRetention();
  return store;
}

class EmbeddedLogStore implements LogStore {
  readonly #dir: string;
  readonly #retentionMs: number;
  readonly #maxBytes: number;
  readonly #maxSegmentBytes: number;
  readonly #segmentMaxAgeMs: number;
  readonly #maxLineBytes: number;
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  readonly #index = new LogIndex();
  /** Caller's labels (+ level) → stream; cleared when retention forgets streams. */
  readonly #streamCache = new Map<string, StreamInfo>();
  readonly #tails = new TailHub();
  readonly #lock: PidLock;
  #active: LogSegment | undefined;
  #nextSegmentId: number;
  #writeScheduled = false;
  #writeError: Error | undefined;
  #dirDirty = false;
  #closed = false;
  /** Retention runs one at a time, in call order; this is the end of the queue. */
  #retentionTail: Promise<void> = Promise.resolve();
  readonly #queries: LogSource;

  constructor(options: LogStoreOptions, lock: PidLock) {
    this.#dir = options.dir;
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
    this.#maxBytes = options.maxBytes ?? 1024 ** 3;
    this.#maxSegmentBytes = Math.min(options.maxSegmentBytes ?? 64 * 1024 ** 2, 2 ** 32 - 1);
    this.#segmentMaxAgeMs = options.segmentMaxAgeMs ?? 3_600_000;
    this.#maxLineBytes = options.maxLineBytes ?? 256 * 1024;
    this.#now = options.now ?? Date.now;
    this.#warn = options.onWarning ?? (() => undefined);
    this.#lock = lock;
    const ids = readdirSync(this.#dir)
      .map(segmentIdOf)
      .filter((id): id is number => id !== undefined)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const streamOf = (labels: Labels) => this.#index.streamFor(normalizeLabels(labels)).id;
      const segment = LogSegment.recover(this.#dir, id, this.#now(), streamOf, this.#warn);
      if (segment !== undefined) this.#index.addSegment(segment);
    }
    this.#nextSegmentId = (ids[ids.length - 1] ?? 0) + 1;
    this.#queries = createLogStoreQueries(this.#index, this.#tails, () => this.#assertOpen());
  }

  queryLogs(logql: string, options: LogQueryOptions): Promise<LogStream[]> {
    return this.#queries.queryLogs(logql, options);
  }

  queryLogMetric(logql: string, options: LogMetricRangeOptions): Promise<LogMetricSeries[]>;
  queryLogMetric(logql: string, options: LogMetricInstantOptions): Promise<LogMetricSample[]>;
  queryLogMetric(
    logql: string,
    options: LogMetricRangeOptions | LogMetricInstantOptions,
  ): Promise<LogMetricSeries[] | LogMetricSample[]> {
    return 'time' in options
      ? this.#queries.queryLogMetric(logql, options)
      : this.#queries.queryLogMetric(logql, options);
  }

  labels(range?: LogTimeRange): Promise<string[]> {
    return this.#queries.labels(range);
  }

  labelValues(name: string, range?: LogTimeRange): Promise<string[]> {
    return this.#queries.labelValues(name, range);
  }

  series(matchers: readonly LabelMatcher[], range?: LogTimeRange): Promise<Labels[]> {
    return this.#queries.series(matchers, range);
  }

  tail(logql: string, options?: LogTailOptions): AsyncIterable<LabeledLogEntry> {
    return this.#queries.tail(logql, options);
  }

  traceLogs(traceId: string, options?: TraceLogsOptions): Promise<LabeledLogEntry[]> {
    return this.#queries.traceLogs(traceId, options);
  }

  append(entry: LogAppendEntry): void {
    this.#assertOpen();
    checkLogEntry(entry);
    const facts = lineFacts(entry.line);
    const stream = this.#streamOf(entry.labels, facts.level);
    const timestampNs = entry.timestampNs ?? facts.timestampNs ?? msToNs(this.#now());
    const line = truncateLine(entry.line, this.#maxLineBytes);
    // Room for the entry and, if the segment has not declared the stream yet, its declaration.
    const entryBytes = Buffer.byteLength(line, 'utf8') + (facts.traceId?.length ?? 0) + 24;
    const segment = this.#segmentFor(entryBytes, 3 * stream.key.length + 16, stream.id);
    let localId = segment.globalToLocal.get(stream.id);
    if (localId === undefined) {
      localId = segment.localToGlobal.length;
      segment.appendRecord(encodeStreamRecord(localId, stream.labels));
      segment.declareStream(localId, stream.id);
    }
    const framed = encodeEntryRecord(localId, timestampNs, facts.traceId, line);
    const offset = segment.appendRecord(framed);
    segment.indexEntry(stream.id, timestampNs, facts.traceId, { offset, length: framed.length });
    this.#scheduleWrite();
    this.#tails.publish(stream, timestampNs, line);
  }

  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#flushNow();
  }

  async #flushNow(): Promise<void> {
    await this.#active?.sync();
    if (this.#dirDirty) {
      this.#dirDirty = false;
      const dir = await open(this.#dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    if (this.#writeError !== undefined) {
      const error = this.#writeError;
      this.#writeError = undefined;
      throw error;
    }
  }

  enforceRetention(): Promise<void> {
    const run = this.#retentionTail.then(() => this.#runRetention());
    this.#retentionTail = run.catch(() => undefined);
    return run;
  }

  stats(): LogStoreStats {
    let bytes = 0;
    let entries = 0;
    let indexMemoryBytes = 0;
    for (const s of this.#index.segments) {
      bytes += s.bytes;
      entries += s.entries;
      indexMemoryBytes += s.indexMemoryBytes;
    }
    const { segments } = this.#index;
    return { segments: segments.length, bytes, entries, streams: this.#index.streamCount, indexMemoryBytes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true; // refuses appends and queries from here on
    this.#tails.closeAll();
    try {
      await this.#flushNow();
      await this.#retentionTail;
    } finally {
      for (const segment of this.#index.segments) await segment.close();
      this.#lock.release();
    }
  }

  /** The stream of an entry's labels plus its derived level; cached, as the same few sets come back. */
  #streamOf(labels: Labels, level: string | undefined): StreamInfo {
    const cacheKey = `${level ?? ''}\u0000${JSON.stringify(labels)}`;
    let stream = this.#streamCache.get(cacheKey);
    if (stream === undefined) {
      const all: Record<string, string> = { ...labels };
      if (level !== undefined && (all['level'] ?? '') === '') all['level'] = level;
      stream = this.#index.streamFor(normalizeLabels(all));
      if (this.#streamCache.size >= 10_000) this.#streamCache.clear();
      this.#streamCache.set(cacheKey, stream);
    }
    return stream;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the log store is closed');
  }

  /** The writable segment with room for the entry (and its stream's declaration), rolling when full or old. */
  #segmentFor(entryBytes: number, declarationBytes: number, streamId: number): LogSegment {
    const active = this.#active;
    const now = this.#now();
    const bytes = entryBytes + (active?.globalToLocal.has(streamId) === true ? 0 : declarationBytes);
    if (
      active !== undefined &&
      active.entries > 0 &&
      (active.bytes + bytes > this.#maxSegmentBytes || now - active.createdAtMs >= this.#segmentMaxAgeMs)
    ) {
      active.seal();
      this.#active = undefined;
      void this.enforceRetention().catch((error: unknown) =>
        this.#warn(`retention failed: ${String(error)}`),
      );
    }
    if (this.#active === undefined) {
      this.#active = LogSegment.create(this.#dir, this.#nextSegmentId++, now);
      this.#index.addSegment(this.#active);
      this.#dirDirty = true;
    }
    return this.#active;
  }

  #scheduleWrite(): void {
    if (this.#writeScheduled) return;
    this.#writeScheduled = true;
    setImmediate(() => {
      this.#writeScheduled = false;
      try {
        this.#active?.writePending();
      } catch (error) {
        this.#writeError = error instanceof Error ? error : new Error('log segment write failed');
        this.#warn(`log segment write failed: ${this.#writeError.message}`);
      }
    });
  }

  async #runRetention(): Promise<void> {
    const doomed = this.#index.expiredSegments(this.#now() - this.#retentionMs, this.#maxBytes, this.#active);
    if (doomed.length > 0) this.#streamCache.clear();
    for (const segment of doomed) {
      this.#index.removeSegment(segment);
      await segment.delete();
    }
  }
}
