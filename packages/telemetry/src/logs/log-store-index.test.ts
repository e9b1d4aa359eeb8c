// The index against a linear scan: random entries (out of order, many small segments, a reopen) and random
// selectors, time ranges, limits and directions must give exactly what filtering the raw entries gives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsKey, matchesAll, type LabelMatcher, type Labels } from '../model/labels.js';
import { createLogStore, type LogStore } from './log-store.js';

const T0 = 1_700_000_000_000_000_000n; // ns
const QUARTER_MS = 250_000n;

interface Raw {
  readonly labels: Labels;
  readonly timestampNs: bigint;
  readonly line: string;
}

const labelsArb = fc.record(
  {
    service: fc.constantFrom('orders', 'cart', 'catalog'),
    instance: fc.constantFrom('1', '2'),
    stream: fc.constantFrom('stdout', 'stderr'),
  },
  { requiredKeys: ['service'] },
);

const entriesArb = fc
  // Quarter-millisecond grid: sub-millisecond times, and query bounds that often hit an entry exactly.
  .uniqueArray(
    fc.integer({ min: 0, max: 80 }).map((q) => BigInt(q) * QUARTER_MS),
    {
      minLength: 1,
      maxLength: 80,
      size: 'medium',
    },
  )
  .chain((offsets) =>
    fc.tuple(
      ...offsets.map((offset) =>
        fc.record({
          labels: labelsArb,
          timestampNs: fc.constant(T0 + offset),
          line: fc.constantFrom('GET /orders 200', 'POST /cart 500 error', 'timeout talking to db', 'ok'),
        }),
      ),
    ),
  );

const matcherArb: fc.Arbitrary<LabelMatcher> = fc.record({
  name: fc.constantFrom('service', 'instance', 'stream', 'missing'),
  type: fc.constantFrom('=', '!=', '=~', '!~'),
  value: fc.constantFrom('orders', 'cart', '1', 'stdout', 'ord.*|cart', '', '.+'),
});

const queryArb = fc.record({
  first: fc.record({
    name: fc.constant('service'),
    type: fc.constantFrom<'=' | '=~'>('=', '=~'),
    value: fc.constantFrom('orders', 'cart', 'orders|cart', '.+', 'c.*'),
  }),
  more: fc.array(matcherArb, { maxLength: 2 }),
  filter: fc.option(fc.constantFrom('error', 'GET', 'o'), { nil: undefined }),
  from: fc.integer({ min: -2, max: 80 }).map((q) => BigInt(q) * QUARTER_MS),
  span: fc.integer({ min: 0, max: 80 }).map((q) => BigInt(q) * QUARTER_MS),
  limit: fc.integer({ min: 1, max: 150 }),
  direction: fc.constantFrom<'forward' | 'backward'>('forward', 'backward'),
});

function quote(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.type}${JSON.stringify(matcher.value)}`;
}

type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

function linearScan(entries: readonly Raw[], matchers: LabelMatcher[], q: Query) {
  const start = T0 + q.from;
  const end = start + q.span;
  const hits = entries
    .filter((e) => matchesAll(matchers, e.labels) && e.timestampNs >= start && e.timestampNs < end)
    .filter((e) => q.filter === undefined || e.line.includes(q.filter))
    .sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : 1));
  if (q.direction === 'backward') hits.reverse();
  const streams = new Map<string, { labels: Labels; entries: { timestampNs: bigint; line: string }[] }>();
  for (const e of hits.slice(0, q.limit)) {
    const key = labelsKey(e.labels);
    if (!streams.has(key)) streams.set(key, { labels: e.labels, entries: [] });
    streams.get(key)!.entries.push({ timestampNs: e.timestampNs, line: e.line });
  }
  return [...streams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

async function withStore<T>(entries: readonly Raw[], body: (store: LogStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'log-index-'));
  try {
    const half = Math.floor(entries.length / 2);
    let store = await createLogStore({ dir, maxSegmentBytes: 600, now: () => 1_700_000_000_000 });
    for (const e of entries.slice(0, half)) store.append(e);
    await store.close(); // half the entries come back from disk, half are appended after the reopen
    store = await createLogStore({ dir, maxSegmentBytes: 600, now: () => 1_700_000_000_000 });
    for (const e of entries.slice(half)) store.append(e);
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('index vs linear scan', () => {
  it('log queries select exactly the entries a linear scan selects', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArb,
        fc.array(queryArb, { minLength: 1, maxLength: 5 }),
        async (entries, queries) => {
          await withStore(entries, async (store) => {
            for (const q of queries) {
              const matchers = [q.first, ...q.more];
              const filter = q.filter === undefined ? '' : ` |= ${JSON.stringify(q.filter)}`;
              const logql = `{${matchers.map(quote).join(', ')}}${filter}`;
              const start = T0 + q.from;
              const got = await store.queryLogs(logql, {
                start,
                end: start + q.span,
                limit: q.limit,
                direction: q.direction,
              });
              expect(got).toEqual(linearScan(entries, matchers, q));
            }
          });
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000); // a failure shrinks over many stores

  it('count_over_time at every step counts the entries in (t - range, t]', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArb,
        fc.integer({ min: -2, max: 22 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 2, 5, 30),
        async (entries, startMs, steps, stepMs, rangeMs) => {
          const t0 = T0 / 1_000_000n + BigInt(startMs); // whole ms
          await withStore(entries, async (store) => {
            const got = await store.queryLogMetric(
              `sum by (service) (count_over_time({service=~".+"}[${rangeMs}ms]))`,
              {
                start: t0 * 1_000_000n,
                end: (t0 + BigInt(steps * stepMs)) * 1_000_000n,
                stepMs,
              },
            );
            const want = new Map<string, { timestampMs: number; value: number }[]>();
            for (let i = 0; i <= steps; i++) {
              const t = (t0 + BigInt(i * stepMs)) * 1_000_000n;
              const lo = t - BigInt(rangeMs) * 1_000_000n;
              const counts = new Map<string, number>();
              for (const e of entries) {
                const service = e.labels['service'];
                if (e.timestampNs > lo && e.timestampNs <= t)
                  counts.set(service, (counts.get(service) ?? 0) + 1);
              }
              for (const [service, value] of counts) {
                if (!want.has(service)) want.set(service, []);
                want.get(service)!.push({ timestampMs: Number(t / 1_000_000n), value });
              }
            }
            const expected = [...want]
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([service, points]) => ({ service, points }));
            expect(got.map((s) => ({ service: s.labels['service'], points: s.points }))).toEqual(expected);
          });
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
