/**
 * The embedded trace store: spans persisted as records in append-only segment files, an in-memory index
 * rebuilt on open, and retention by whole segments (by age of receipt and by total size). It is both the
 * OTLP receiver's {@link TraceSink} and a {@link TraceSource}.
 */
import { dependencyGraph } from './dependency-graph.js';
import { SegmentFiles, type RecoveryReport } from './segment-files.js';
import { byStartTime, type TraceSpan } from './span.js';
import { decodeSpanRecord, encodeSpanRecord } from './span-record.js';
import { TraceIndex, type IndexedSpan } from './trace-index.js';
import { spanMatches } from './trace-match.js';
import type {
  AppendResult,
  DependencyGraph,
  DependencyQuery,
  TraceQuery,
  TraceSink,
  TraceSource,
  TraceSummary,
} from './trace-source.js';

/** Options of {@link createTraceStore}. */
export interface TraceStoreOptions {
  /** Directory of the segment files (created if missing). */
  readonly dir: string;
  /** Spans are kept at least this long after receipt (whole segments go). Default 24 h. */
  readonly retentionMs?: number;
  /**
   * The oldest segments go while the files hold more than this. Default 256 MiB: about 600 000 spans of
   * ~440 bytes, whose index takes ~300 bytes of heap each.
   */
  readonly maxBytes?: number;
  /** A segment is sealed at this size. Default 16 MiB. */
  readonly segmentBytes?: number;
  /** A segment is sealed when its first record is this old. Default min(1 h, retention / 4). */
  readonly segmentMs?: number;
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/** Counters of a store. */
export interface TraceStoreStats {
  readonly traces: number;
  readonly spans: number;
  readonly segments: number;
  readonly bytes: number;
  /** What recovery found on open. */
  readonly recovery: RecoveryReport;
}

/** The embedded trace store. */
export interface TraceStore extends TraceSource, TraceSink {
  /** Makes every appended span durable (fsync). */
  flush(): Promise<void>;
  /** Drops expired and excess segments now (appends also do it); returns how many were dropped. */
  enforceRetention(): Promise<number>;
  stats(): TraceStoreStats;
  /** Flushes and closes the files; the store cannot be used afterwards. */
  close(): Promise<void>;
}

const HOUR = 3_600_000;

/** Opens (or creates) a trace store in `options.dir`, replaying its segments into the index. */
export async function createTraceStore(options: TraceStoreOptions): Promise<TraceStore> {
  const retentionMs = options.retentionMs ?? 24 * HOUR;
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const now = options.now ?? Date.now;
  const index = new TraceIndex();
  const { files, recovery } = await SegmentFiles.open(
    {
      dir: options.dir,
      segmentBytes: options.segmentBytes ?? 16 * 1024 * 1024,
      segmentMs: options.segmentMs ?? Math.min(HOUR, retentionMs / 4),
    },
    (location, payload) => {
      try {
        const record = decodeSpanRecord(payload);
        index.add(record.span, location);
        return record.receivedMs;
      } catch {
        return undefined;
      }
    },
  );

  // Appends and retention change files and index together; one at a time keeps them consistent.
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('the trace store is closed'));
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  const enforceRetention = async (): Promise<number> => {
    const cutoff = now() - retentionMs;
    let dropped = 0;
    let bytes = files.totalBytes();
    for (const segment of files.segments()) {
      const expired = segment.lastMs < cutoff;
      if (!expired && bytes <= maxBytes) break;
      // The newest segment is kept for size, or the store would empty itself to hold one big batch.
      if (!expired && segment === files.segments().at(-1)) break;
      bytes -= segment.size;
      index.removeSegment(segment.id);
      await files.drop(segment.id);
      dropped++;
    }
    return dropped;
  };

  const readSpans = async (spans: readonly IndexedSpan[]): Promise<TraceSpan[]> => {
    const payloads = await files.read(spans);
    const out: TraceSpan[] = [];
    for (const payload of payloads) {
      if (payload === undefined) continue;
      try {
        out.push(decodeSpanRecord(payload).span);
      } catch {
        // A record that verified on write but no longer decodes is skipped, not fatal to the query.
      }
    }
    return out.sort(byStartTime);
  };

  await enforceRetention();

  return {
    append: (spans) =>
      serial(async (): Promise<AppendResult> => {
        const fresh: TraceSpan[] = [];
        const seen = new Set<string>();
        for (const span of spans) {
          const key = `${span.traceId}/${span.spanId}`;
          if (index.has(span.traceId, span.spanId) || seen.has(key)) continue;
          seen.add(key);
          fresh.push(span);
        }
        if (fresh.length > 0) {
          const receivedMs = now();
          const locations = await files.append(
            fresh.map((span) => encodeSpanRecord(span, receivedMs)),
            receivedMs,
          );
          fresh.forEach((span, i) => index.add(span, locations[i]!));
          await enforceRetention();
        }
        return { accepted: fresh.length, duplicates: spans.length - fresh.length };
      }),

    async findTraces(query: TraceQuery): Promise<TraceSummary[]> {
      const out: TraceSummary[] = [];
      const needsRecords = Object.keys(query.attributes ?? {}).length > 0;
      for (const candidate of index.candidates(query)) {
        if (out.length >= query.limit) break;
        if (needsRecords) {
          const spans = await readSpans([...candidate.spans]);
          if (!spans.some((span) => spanMatches(span, query))) continue;
        }
        out.push(candidate.summary);
      }
      return out;
    },

    async getTrace(traceId: string): Promise<TraceSpan[] | null> {
      const spans = index.spans(traceId.toLowerCase());
      if (spans === undefined) return null;
      const read = await readSpans(spans);
      return read.length === 0 ? null : read;
    },

    services: () => Promise.resolve(index.services()),
    operations: (service) => Promise.resolve(index.operations(service)),
    dependencies: (query: DependencyQuery): Promise<DependencyGraph> =>
      Promise.resolve(dependencyGraph(index.allTraces(), query)),

    flush: () => serial(() => files.sync()),
    enforceRetention: () => serial(enforceRetention),
    stats: () => ({
      traces: index.traceCount,
      spans: index.spanCount,
      segments: files.segments().length,
      bytes: files.totalBytes(),
      recovery,
    }),
    async close() {
      if (closed) return;
      const last = serial(() => files.close());
      closed = true;
      await last;
    },
  };
}
