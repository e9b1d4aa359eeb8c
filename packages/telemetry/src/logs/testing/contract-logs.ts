/**
 * Test support: the fixed data of the LogSource contract and a brute-force oracle over it. Each entry
 * knows the stream labels a source reports for it (its labels plus the `level` the store derives from a
 * JSON line), so expected answers are computed here, independently of any store or query engine.
 */
import { labelsKey, normalizeLabels, type Labels } from '../../model/labels.js';
import type { LabeledLogEntry, LogAppendEntry, LogDirection, LogStream } from '../log-source.js';
import { msToNs } from '../log-time.js';

/** Start of the seeded data (ms). */
export const LOG_T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
/** Nanoseconds of `LOG_T0 + ms`. */
export const nsAt = (ms: number): bigint => msToNs(LOG_T0 + ms);

/** A seeded entry, what it is appended as and the stream it lands in. */
export interface ContractEntry {
  readonly append: LogAppendEntry & { readonly timestampNs: bigint };
  /** Labels of its stream as sources report them (with the derived `level`). */
  readonly stream: Labels;
  /** The JSON fields of the line, if it is JSON. */
  readonly fields?: { level: string; msg: string; status: number; duration_ms: number; trace_id: string };
}

/** Trace id `k` of the seeded data (32 hex digits). */
export const contractTraceId = (k: number): string =>
  `4bf92f3577b34da6a3ce929d0e0e${String(k).padStart(4, '0')}`;

function jsonEntry(i: number): ContractEntry {
  const service = i % 4 === 3 ? 'payments' : 'orders';
  const instance = service === 'orders' ? `orders-${(i % 2) + 1}` : 'payments-1';
  const level = i % 7 === 5 ? 'error' : i % 5 === 4 ? 'warn' : 'info';
  const fields = {
    level,
    msg: `request ${i}`,
    status: level === 'error' ? 502 : 200,
    duration_ms: 10 + i * 3,
    trace_id: contractTraceId(i % 6),
  };
  const labels = { service, instance, stream: 'stdout' };
  // Odd nanoseconds: timestamps must survive the trip through Loki's API exactly.
  const timestampNs = nsAt(1_000 + i * 3_000) + BigInt(i * 7);
  return {
    append: { labels, timestampNs, line: JSON.stringify(fields) },
    stream: normalizeLabels({ ...labels, level }),
    fields,
  };
}

function plainEntry(ms: number, line: string): ContractEntry {
  const labels = { service: 'gateway', instance: 'gateway-1', stream: 'stderr' };
  return { append: { labels, timestampNs: nsAt(ms), line }, stream: normalizeLabels(labels) };
}

/** The seeded data: 20 JSON lines of orders (2 instances) and payments, 4 plain gateway lines, one old. */
export function contractEntries(): ContractEntry[] {
  const entries = Array.from({ length: 20 }, (_, i) => jsonEntry(i));
  entries.push(
    plainEntry(2_500, 'GET /api/products 200 12ms'),
    plainEntry(17_500, `upstream slow, trace ${contractTraceId(1)} retried`),
    plainEntry(32_500, 'GET /api/cart 200 8ms'),
    plainEntry(47_500, 'panic: connection reset by peer'),
    plainEntry(-3 * 3_600_000, 'GET /api/products 200 9ms (before the restart)'),
  );
  return entries;
}

const byTime = (a: { timestampNs: bigint }, b: { timestampNs: bigint }) =>
  a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0;

/** Entries matching `where` in [start, end), as labeled entries in time order. */
export function oracleEntries(
  entries: readonly ContractEntry[],
  where: (e: ContractEntry) => boolean,
  startNs = -(2n ** 63n),
  endNs = 2n ** 63n,
): LabeledLogEntry[] {
  return entries
    .filter((e) => where(e) && e.append.timestampNs >= startNs && e.append.timestampNs < endNs)
    .map((e) => ({ labels: e.stream, timestampNs: e.append.timestampNs, line: e.append.line }))
    .sort(byTime);
}

/** What a log query answers: `limit` entries in `direction`, grouped into streams sorted by labels. */
export function oracleStreams(
  found: readonly LabeledLogEntry[],
  limit: number,
  direction: LogDirection,
): LogStream[] {
  const ordered = direction === 'forward' ? [...found] : [...found].reverse();
  const streams = new Map<string, { labels: Labels; entries: { timestampNs: bigint; line: string }[] }>();
  for (const e of ordered.slice(0, limit)) {
    const key = labelsKey(e.labels);
    const stream = streams.get(key) ?? { labels: e.labels, entries: [] };
    stream.entries.push({ timestampNs: e.timestampNs, line: e.line });
    streams.set(key, stream);
  }
  return [...streams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

/** Entries per group in the window (t - rangeMs, t] at each step (ms): `count_over_time` by a key. */
export function oracleCounts(
  entries: readonly ContractEntry[],
  where: (e: ContractEntry) => boolean,
  group: (e: ContractEntry) => string,
  stepsMs: readonly number[],
  rangeMs: number,
): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const t of stepsMs) {
    for (const e of entries) {
      const ts = e.append.timestampNs;
      if (!where(e) || ts <= msToNs(t - rangeMs) || ts > msToNs(t)) continue;
      const counts = out.get(group(e)) ?? new Map<number, number>();
      counts.set(t, (counts.get(t) ?? 0) + 1);
      out.set(group(e), counts);
    }
  }
  return out;
}
