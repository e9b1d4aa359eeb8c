/**
 * Reads candidate entries in time order. The candidates are the postings of the matching streams in the
 * segments that overlap the range; a heap merges their sorted chunks, and records are read in batches
 * (nearby records of a segment coalesced into one read). Only candidate records are ever read.
 */
import type { Labels } from '../model/labels.js';
import type { LogDirection } from './log-source.js';
import type { PostingChunk } from './log-postings.js';
import { decodeBody, RECORD_HEADER_BYTES } from './log-record.js';
import type { LogSegment, RecordRef } from './log-segment.js';
import { joinNs, splitNs } from './log-time.js';

/** A stream known to the store. */
export interface StreamInfo {
  readonly id: number;
  readonly labels: Labels;
  /** {@link labelsKey} of the labels. */
  readonly key: string;
}

/** An entry read back, with its stream. */
export interface ScannedEntry {
  readonly stream: StreamInfo;
  readonly timestampNs: bigint;
  readonly line: string;
}

/** Entries read per batch: bounds memory and lets a limited query stop early. */
const BATCH_SIZE = 512;

interface Cursor {
  readonly segment: LogSegment;
  readonly stream: StreamInfo;
  readonly chunk: PostingChunk;
  i: number;
  /** One past the last index to visit, in the direction of travel. */
  readonly stop: number;
}

/**
 * Starts a scan of `streams` over the segments, for entries in [fromNs, toNs), in `direction` order.
 * The set of candidates is fixed when this function returns (entries appended later are not seen), so a
 * tail can subscribe in the same tick and miss or repeat nothing. With `readLines = false` no record is
 * read at all: entries come from the postings alone, with empty lines (counting queries).
 */
export function scanEntries(
  segments: readonly LogSegment[],
  streams: readonly StreamInfo[],
  fromNs: bigint,
  toNs: bigint,
  direction: LogDirection,
  readLines = true,
): AsyncGenerator<ScannedEntry[]> {
  const from = splitNs(fromNs);
  const to = splitNs(toNs);
  const forward = direction === 'forward';
  const cursors: Cursor[] = [];
  for (const segment of segments) {
    if (!segment.overlaps(from.ms, to.ms)) continue;
    for (const stream of streams) {
      for (const chunk of segment.streams.get(stream.id) ?? []) {
        const count = chunk.count;
        const lo = chunk.lowerBound(from.ms, from.sub, count);
        const hi = chunk.lowerBound(to.ms, to.sub, count);
        if (lo >= hi) continue;
        cursors.push({ segment, stream, chunk, i: forward ? lo : hi - 1, stop: forward ? hi : lo - 1 });
      }
    }
  }
  return readMerged(cursors, forward, readLines);
}

/** Whether cursor `a`'s current entry comes before `b`'s in the scan order. */
function before(a: Cursor, b: Cursor, forward: boolean): boolean {
  const am = a.chunk.msAt(a.i);
  const bm = b.chunk.msAt(b.i);
  let c = am - bm;
  if (c === 0) c = a.chunk.subAt(a.i) - b.chunk.subAt(b.i);
  if (c === 0) c = a.segment.id - b.segment.id;
  if (c === 0) c = a.chunk.offsetAt(a.i) - b.chunk.offsetAt(b.i);
  return forward ? c < 0 : c > 0;
}

function siftDown(heap: Cursor[], start: number, forward: boolean): void {
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let best = i;
    if (l < heap.length && before(heap[l]!, heap[best]!, forward)) best = l;
    if (r < heap.length && before(heap[r]!, heap[best]!, forward)) best = r;
    if (best === i) return;
    [heap[i], heap[best]] = [heap[best]!, heap[i]!];
    i = best;
  }
}

interface Posting {
  readonly segment: LogSegment;
  readonly stream: StreamInfo;
  readonly ref: RecordRef;
  readonly ms: number;
  readonly sub: number;
}

async function* readMerged(
  heap: Cursor[],
  forward: boolean,
  readLines: boolean,
): AsyncGenerator<ScannedEntry[]> {
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, forward);
  const step = forward ? 1 : -1;
  while (heap.length > 0) {
    const batch: Posting[] = [];
    while (batch.length < BATCH_SIZE && heap.length > 0) {
      const top = heap[0]!;
      batch.push({
        segment: top.segment,
        stream: top.stream,
        ref: { offset: top.chunk.offsetAt(top.i), length: top.chunk.lengthAt(top.i) },
        ms: top.chunk.msAt(top.i),
        sub: top.chunk.subAt(top.i),
      });
      top.i += step;
      if (top.i === top.stop) {
        const last = heap.pop()!;
        if (heap.length > 0) heap[0] = last;
      }
      siftDown(heap, 0, forward);
    }
    yield readLines
      ? await readBatch(batch)
      : batch.map((p) => ({ stream: p.stream, timestampNs: joinNs(p.ms, p.sub), line: '' }));
  }
}

/** Reads a batch of postings, keeping their order; records of deleted segments are skipped. */
async function readBatch(batch: readonly Posting[]): Promise<ScannedEntry[]> {
  const bySegment = new Map<LogSegment, number[]>();
  for (let i = 0; i < batch.length; i++) {
    const indexes = bySegment.get(batch[i]!.segment);
    if (indexes === undefined) bySegment.set(batch[i]!.segment, [i]);
    else indexes.push(i);
  }
  const records = new Array<Buffer | undefined>(batch.length);
  await Promise.all(
    [...bySegment].map(async ([segment, indexes]) => {
      try {
        const bufs = await segment.readRecords(indexes.map((i) => batch[i]!.ref));
        indexes.forEach((i, k) => (records[i] = bufs[k]));
      } catch {
        // Retention deleted the segment while the query ran: its entries are gone, as intended.
      }
    }),
  );
  const out: ScannedEntry[] = [];
  for (let i = 0; i < batch.length; i++) {
    const record = records[i];
    if (record === undefined) continue;
    const decoded = decodeBody(record.subarray(RECORD_HEADER_BYTES));
    if (decoded?.kind !== 'entry') continue;
    out.push({ stream: batch[i]!.stream, timestampNs: decoded.timestampNs, line: decoded.line });
  }
  return out;
}
