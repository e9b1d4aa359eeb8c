import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import type { Labels } from '../model/labels.js';
import { createPromqlEngine, type PromqlEngineOptions } from './engine.js';
import { encodeQuerySuccess } from './json-encode.js';
import { MemoryQuerier, type MemorySeriesInput } from './memory-querier.js';
import { parsePromql } from './parse.js';
import { rangeEvaluable } from './range-eval.js';
import type { QueryResult } from './result.js';

const S = 1000;

/** Queries the whole-range evaluator takes, and a few it must hand back to the step evaluator. */
const QUERIES = [
  'c',
  'g offset 45s',
  'c @ 100',
  'rate(c[1m])',
  'increase(c[2m])',
  'irate(c[1m])',
  'resets(c[2m])',
  'delta(g[1m])',
  'deriv(g[1m])',
  'predict_linear(g[2m], 60)',
  'quantile_over_time(0.3, g[2m])',
  'max_over_time(g[90s])',
  'min_over_time(g[1m] offset 30s)',
  'avg_over_time(g[1m])',
  'sum_over_time(g[1m])',
  'stddev_over_time(g[2m])',
  'count_over_time(g[1m])',
  'last_over_time(g[1m])',
  'changes(g[2m])',
  'present_over_time(c[30s])',
  'rate(c[1m] @ end())',
  'sum by (job) (rate(c[1m]))',
  'sum(rate(c[1m]))',
  'avg without (instance) (g)',
  'avg by (job) (g)',
  'min by (route) (g)',
  'max(g)',
  'count by (job) (g)',
  'group by (route) (c)',
  'stddev by (job) (g)',
  'stdvar(g)',
  'sum(sum by (job, instance) (g))',
  'max by (job) (avg by (job, route) (g))',
  'histogram_quantile(0.9, sum by (le) (rate(h_bucket[1m])))',
  'histogram_quantile(0.5, rate(h_bucket[1m]))',
  'histogram_quantile(-(0.5), sum by (le, job) (increase(h_bucket[2m])))',
  'avg(histogram_quantile(0.9, rate(h_bucket[1m])))',
  'sum({__name__=~"c|g"})',
  'rate({__name__=~"c|g"}[1m])',
  'histogram_quantile(0.9, {__name__=~"h_bucket|h2_bucket"})',
  // Not whole-range: the step evaluator answers these.
  'topk(1, g)',
  'rate(c[1m]) * 2',
  'abs(g)',
  'max_over_time(g[1m:15s])',
];

const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 50 }) },
  { weight: 5, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, STALE_NAN) },
);

/** A series: start, sample gaps (some past the lookback), values; counters mostly grow, with resets. */
const seriesArb = (labels: Labels, counter: boolean) =>
  fc
    .record({
      start: fc.integer({ min: 0, max: 600 }),
      steps: fc.array(
        fc.tuple(
          fc.oneof(fc.constant(15), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 400 })),
          valueArb,
        ),
        { maxLength: 60 },
      ),
    })
    .map(({ start, steps }): MemorySeriesInput => {
      let t = start * S;
      let level = 0;
      const samples: [number, number][] = [];
      for (const [gap, value] of steps) {
        t += gap * S;
        if (counter && Number.isInteger(value)) {
          level = value < 0 ? 0 : level + value;
          samples.push([t, level]);
        } else samples.push([t, value]);
      }
      return { labels, samples };
    });

const dataArb = fc
  .tuple(
    fc.array(seriesArb({ __name__: 'c', job: 'a', instance: 'i0', route: '/r0' }, true), { maxLength: 1 }),
    fc.array(seriesArb({ __name__: 'c', job: 'a', instance: 'i1', route: '/r1' }, true), { maxLength: 1 }),
    fc.array(seriesArb({ __name__: 'c', job: 'b', instance: 'i0', route: '/r0' }, true), { maxLength: 1 }),
    fc.array(seriesArb({ __name__: 'g', job: 'a', instance: 'i0', route: '/r0' }, false), { maxLength: 1 }),
    fc.array(seriesArb({ __name__: 'g', job: 'b', instance: 'i1', route: '/r1' }, false), { maxLength: 1 }),
    fc.array(seriesArb({ __name__: 'g', job: 'b', instance: 'i2', route: '/r0' }, false), { maxLength: 1 }),
    fc
      .subarray(
        ['0.1', '1', '1.0', '+Inf', 'NaN', 'x'].flatMap((le) => [
          { le, job: 'a' },
          { le, job: 'b' },
        ]),
        { maxLength: 6 },
      )
      .chain((buckets) =>
        fc.tuple(...buckets.map((b) => seriesArb({ __name__: 'h_bucket', job: b.job, le: b.le }, true))),
      ),
    fc.array(seriesArb({ __name__: 'h2_bucket', job: 'a', le: '1' }, true), { maxLength: 1 }),
  )
  .map((groups) => groups.flat());

async function outcome(
  series: MemorySeriesInput[],
  options: Partial<PromqlEngineOptions>,
  query: string,
  range: readonly [number, number, number],
): Promise<{ result?: QueryResult; error?: string }> {
  const engine = createPromqlEngine({ querier: new MemoryQuerier(series), ...options });
  try {
    return { result: await engine.rangeQuery(query, ...range) };
  } catch (error) {
    return { error: `${(error as { errorType?: string }).errorType}: ${(error as Error).message}` };
  }
}

describe('whole-range evaluation', () => {
  it('takes the dashboard shapes and leaves the rest to the step evaluator', () => {
    expect(rangeEvaluable(parsePromql('histogram_quantile(0.99, sum by (le) (rate(x[5m])))'))).toBe(true);
    expect(rangeEvaluable(parsePromql('max_over_time(x[10m])'))).toBe(true);
    expect(rangeEvaluable(parsePromql('topk(3, x)'))).toBe(false);
    expect(rangeEvaluable(parsePromql('histogram_quantile(scalar(y), x)'))).toBe(false);
    expect(rangeEvaluable(parsePromql('rate(x[5m:1m])'))).toBe(false);
  });

  it('answers exactly what the step evaluator answers, errors and limits included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dataArb,
        fc.constantFrom(...QUERIES),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constant(7.5), fc.constant(0.3)),
        fc.record({
          leftOpenRanges: fc.boolean(),
          maxSamples: fc.oneof(fc.constant(50_000_000), fc.integer({ min: 1, max: 200 })),
          lookbackDeltaMs: fc.constantFrom(5 * 60 * S, 30 * S),
        }),
        async (series, query, a, b, stepSeconds, options) => {
          const range = [Math.min(a, b) * S, Math.max(a, b) * S, stepSeconds * S] as const;
          const fast = await outcome(series, options, query, range);
          const stepwise = await outcome(series, { ...options, stepwiseOnly: true }, query, range);
          expect(fast).toEqual(stepwise);
          // Bit for bit, as the API prints it (metric label order included).
          if (fast.result !== undefined && stepwise.result !== undefined)
            expect(encodeQuerySuccess(fast.result)).toBe(encodeQuerySuccess(stepwise.result));
        },
      ),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('accumulates aggregations in the step evaluator order, to the last bit (property)', async () => {
    const denseArb = fc.array(
      fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(Infinity)), {
        minLength: 20,
        maxLength: 20,
      }),
      { minLength: 2, maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(
        denseArb,
        fc.constantFrom('sum(g)', 'avg(g)', 'stddev(g)', 'stdvar by (job) (g)', 'avg(rate(g[1m]))'),
        async (values, query) => {
          const series = values.map((vs, k): MemorySeriesInput => ({
            labels: { __name__: 'g', instance: `i${k}`, job: k % 2 === 0 ? 'a' : 'b' },
            samples: vs.map((v, i): [number, number] => [i * 15 * S, v]),
          }));
          const range = [0, 300 * S, 15 * S] as const;
          const fast = await outcome(series, {}, query, range);
          const stepwise = await outcome(series, { stepwiseOnly: true }, query, range);
          expect(encodeQuerySuccess(fast.result!)).toBe(encodeQuerySuccess(stepwise.result!));
        },
      ),
      { numRuns: 300 },
    );
  });
});
