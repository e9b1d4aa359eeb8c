import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceSpan } from './span.js';
import { bruteForceSearch } from './testing/brute-force-search.js';
import { makeSpan, testId } from './testing/span-builder.js';
import { createTraceStore } from './trace-store.js';
import type { TraceQuery } from './trace-source.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const SERVICES = ['api', 'db', 'mail'];
const NAMES = ['get', 'put', 'send'];
const VALUES: (string | number | boolean)[] = ['v1', 'v2', 1, true];

const spanArb = fc.record({
  service: fc.constantFrom(...SERVICES),
  name: fc.constantFrom(...NAMES),
  offsetUs: fc.integer({ min: 0, max: 10_000_000 }),
  durationUs: fc.integer({ min: 0, max: 3_000_000 }),
  error: fc.boolean(),
  attributes: fc.dictionary(fc.constantFrom('k1', 'k2'), fc.constantFrom(...VALUES), { maxKeys: 2 }),
  parent: fc.nat(),
});
const datasetArb = fc.array(fc.array(spanArb, { minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 12,
});

const queryArb = fc.record(
  {
    service: fc.constantFrom(...SERVICES),
    operation: fc.constantFrom(...NAMES),
    minDurationMs: fc.integer({ min: 0, max: 3000 }),
    maxDurationMs: fc.integer({ min: 0, max: 5000 }),
    status: fc.constantFrom('error' as const, 'ok' as const),
    attributes: fc.dictionary(fc.constantFrom('k1', 'k2'), fc.constantFrom('v1', 'v2', '1', 'true'), {
      minKeys: 1,
      maxKeys: 2,
    }),
    start: fc.integer({ min: T0 - 1000, max: T0 + 10_000 }),
    span: fc.integer({ min: 0, max: 12_000 }),
    limit: fc.integer({ min: 1, max: 15 }),
  },
  { requiredKeys: ['start', 'span', 'limit'] },
);

type SpanSeed = typeof spanArb extends fc.Arbitrary<infer T> ? T : never;

function build(dataset: SpanSeed[][]): TraceSpan[] {
  return dataset.flatMap((trace, t) =>
    trace.map((s, i) =>
      makeSpan({
        traceId: testId(t + 1, 32),
        spanId: testId(i + 1, 16),
        ...(i === 0 ? {} : { parentSpanId: testId((s.parent % i) + 1, 16) }),
        service: s.service,
        name: s.name,
        startMs: T0 + s.offsetUs / 1000,
        durationMs: s.durationUs / 1000,
        error: s.error,
        attributes: s.attributes,
      }),
    ),
  );
}

describe('findTraces: every filter against a brute-force search', () => {
  it('returns exactly the newest matching traces', async () => {
    await fc.assert(
      fc.asyncProperty(
        datasetArb,
        fc.array(queryArb, { minLength: 1, maxLength: 8 }),
        async (dataset, queries) => {
          const dir = mkdtempSync(join(tmpdir(), 'trace-search-'));
          const store = await createTraceStore({ dir, now: () => T0 });
          try {
            const spans = build(dataset);
            await store.append(spans);
            for (const { span, ...rest } of queries) {
              const query: TraceQuery = { ...rest, end: rest.start + span };
              const found = (await store.findTraces(query)).map((s) => s.traceId);
              expect(found, JSON.stringify(query)).toEqual(bruteForceSearch(spans, query));
            }
          } finally {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds a single-span match, not attributes spread over two spans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-search-'));
    const store = await createTraceStore({ dir, now: () => T0 });
    try {
      const traceId = testId(1, 32);
      await store.append([
        makeSpan({
          traceId,
          spanId: testId(1, 16),
          service: 'api',
          name: 'get',
          startMs: T0,
          durationMs: 5,
          attributes: { k1: 'v1' },
        }),
        makeSpan({
          traceId,
          spanId: testId(2, 16),
          parentSpanId: testId(1, 16),
          service: 'db',
          name: 'put',
          startMs: T0 + 1,
          durationMs: 1,
          attributes: { k2: 'v2' },
          resource: { region: 'eu' },
        }),
      ]);
      const q = { start: T0 - 1, end: T0 + 1, limit: 10 };
      expect(await store.findTraces({ ...q, attributes: { k1: 'v1', k2: 'v2' } })).toHaveLength(0);
      expect(
        await store.findTraces({ ...q, service: 'db', attributes: { k2: 'v2', region: 'eu' } }),
      ).toHaveLength(1);
      expect(await store.findTraces({ ...q, service: 'api', attributes: { k2: 'v2' } })).toHaveLength(0);
      // Both ends of the range and of the duration bounds are inclusive.
      expect(
        await store.findTraces({ start: T0, end: T0, limit: 1, minDurationMs: 5, maxDurationMs: 5 }),
      ).toHaveLength(1);
      expect(await store.findTraces({ start: T0 + 0.001, end: T0 + 1, limit: 1 })).toHaveLength(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
