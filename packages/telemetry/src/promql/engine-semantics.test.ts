import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPromqlEngine } from './engine.js';
import { MemoryQuerier, type MemorySeriesInput } from './memory-querier.js';
import type { QueryResult } from './result.js';

const S = 1000;
const M = 60 * S;

function engineOver(series: MemorySeriesInput[]) {
  return createPromqlEngine({ querier: new MemoryQuerier(series) });
}

function vectorValues(result: QueryResult): Record<string, number> {
  if (result.resultType !== 'vector') throw new Error(`not a vector: ${result.resultType}`);
  return Object.fromEntries(result.result.map((s) => [JSON.stringify(s.metric), s.value]));
}

function single(result: QueryResult): number | undefined {
  if (result.resultType === 'scalar') return result.result.value;
  if (result.resultType !== 'vector') throw new Error(result.resultType);
  expect(result.result.length).toBeLessThanOrEqual(1);
  return result.result[0]?.value;
}

/** Samples every `step` ms from 0, values from `f(i)`. */
function regular(name: string, n: number, step: number, f: (i: number) => number): MemorySeriesInput {
  return {
    labels: { __name__: name },
    samples: Array.from({ length: n }, (_, i) => [i * step, f(i)] as const),
  };
}

describe('rates', () => {
  it('extrapolates to the window edges within 1.1 average intervals, and stops at zero for counters', async () => {
    // Samples at 5s, 20s, 35s, 50s with values 10, 20, 30, 40; window [0, 60].
    const engine = engineOver([
      { labels: { __name__: 'c' }, samples: [5, 20, 35, 50].map((t, i) => [t * S, 10 + i * 10] as const) },
    ]);
    // Increase 30 over 45 s; 5 s to the start (zero point at 15 s before the first sample is further), 10 s to
    // the end: extrapolated over 60 s → 40.
    expect(single(await engine.instantQuery('increase(c[1m])', 60 * S))).toBeCloseTo(40, 12);
    expect(single(await engine.instantQuery('rate(c[1m])', 60 * S))).toBeCloseTo(40 / 60, 12);
    // Window [-60 s, 60 s]: the start is 65 s away, but the counter would reach zero 15 s before the first
    // sample, which is within 1.1 × 15 s: extrapolate to that zero point: 30 × (45 + 15 + 10) / 45.
    expect(single(await engine.instantQuery('increase(c[2m])', 60 * S))).toBeCloseTo((30 * 70) / 45, 12);
    // A gauge has no zero point: 65 s > 1.1 × 15 s, so half an interval is added: 30 × (45 + 7.5 + 10) / 45.
    expect(single(await engine.instantQuery('delta(c[2m])', 60 * S))).toBeCloseTo((30 * 62.5) / 45, 12);
  });

  it('counts counter resets in increase and irate', async () => {
    const engine = engineOver([
      {
        labels: { __name__: 'c' },
        samples: [
          [0, 5],
          [10 * S, 8],
          [20 * S, 2],
          [30 * S, 6],
        ],
      },
    ]);
    // Raw increase: 6 - 5 + 8 (reset) = 9 over 30 s, window [0, 30]: no extrapolation.
    expect(single(await engine.instantQuery('increase(c[30s])', 30 * S))).toBeCloseTo(9, 12);
    expect(single(await engine.instantQuery('irate(c[30s])', 20 * S))).toBeCloseTo(2 / 10, 12);
    expect(single(await engine.instantQuery('resets(c[30s])', 30 * S))).toBe(1);
  });

  it('rate of a linear counter equals its slope when samples sit on the window edges (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.constantFrom(5, 10, 15, 30),
        fc.integer({ min: 2, max: 20 }),
        async (start, slope, stepSeconds, windowSteps) => {
          const engine = engineOver([
            regular('c', 100, stepSeconds * S, (i) => start + slope * stepSeconds * i),
          ]);
          const at = 60 * stepSeconds * S;
          const rate = single(await engine.instantQuery(`rate(c[${windowSteps * stepSeconds}s])`, at))!;
          // Differences of large counter values lose digits: allow for the magnitude of the values too.
          expect(Math.abs(rate - slope)).toBeLessThanOrEqual(1e-9 * slope + 1e-12 * start);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('aggregation properties', () => {
  it('sum by (g) equals the per-group sum of the parts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -1000, max: 1000 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (parts) => {
          const engine = engineOver(
            parts.map(([g, v], i) => ({ labels: { __name__: 'm', g, i: String(i) }, samples: [[0, v]] })),
          );
          const expected: Record<string, number> = {};
          for (const [g, v] of parts)
            expected[JSON.stringify({ g })] = (expected[JSON.stringify({ g })] ?? 0) + v;
          expect(vectorValues(await engine.instantQuery('sum by (g) (m)', 0))).toEqual(expected);
          const total = parts.reduce((acc, [, v]) => acc + v, 0);
          expect(single(await engine.instantQuery('sum(sum by (g) (m))', 0))).toBe(total);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a range query equals instant queries at each of its steps', async () => {
    const queries = ['rate(m[1m])', 'sum by (g) (m)', 'max_over_time(m[2m:30s])', 'm > bool 0', 'topk(1, m)'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 20, maxLength: 20 }),
        fc.constantFrom(...queries),
        async (values, query) => {
          const engine = engineOver([
            { labels: { __name__: 'm', g: 'x' }, samples: values.map((v, i) => [i * 15 * S, v] as const) },
            {
              labels: { __name__: 'm', g: 'y' },
              samples: values.map((v, i) => [i * 15 * S + 7 * S, -v] as const),
            },
          ]);
          const range = await engine.rangeQuery(query, M, 5 * M, 40 * S);
          if (range.resultType !== 'matrix') throw new Error('matrix expected');
          for (let t = M; t <= 5 * M; t += 40 * S) {
            const instant = vectorValues(await engine.instantQuery(query, t));
            const fromRange = Object.fromEntries(
              range.result.flatMap((s) => {
                const i = s.timestampsMs.indexOf(t);
                return i < 0 ? [] : [[JSON.stringify(s.metric), s.values[i]!]];
              }),
            );
            expect(fromRange).toEqual(instant);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
