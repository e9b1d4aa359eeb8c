import { describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../model/labels.js';
import type { SeriesQuerier, SeriesSamples } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { createPromqlEngine, type PromqlEngineOptions } from './engine.js';
import { PromqlExecutionError, PromqlParseError } from './errors.js';
import { MemoryQuerier, type MemorySeriesInput } from './memory-querier.js';
import type { QueryResult } from './result.js';

const S = 1000;
const M = 60 * S;

function engineOver(series: MemorySeriesInput[], options: Partial<PromqlEngineOptions> = {}) {
  return createPromqlEngine({ querier: new MemoryQuerier(series), ...options });
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

describe('result types', () => {
  const engine = engineOver([regular('x', 10, 15 * S, (i) => i)]);

  it('returns a vector stamped with the evaluation time', async () => {
    expect(await engine.instantQuery('x', 100 * S)).toEqual({
      resultType: 'vector',
      result: [{ metric: { __name__: 'x' }, timestampMs: 100 * S, value: 6 }],
    });
  });

  it('returns the raw samples of a range selector as a matrix', async () => {
    expect(await engine.instantQuery('x[30s]', 90 * S)).toEqual({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'x' }, timestampsMs: [60 * S, 75 * S, 90 * S], values: [4, 5, 6] }],
    });
  });

  it('returns scalars and strings', async () => {
    expect(await engine.instantQuery('time() + 1', 5 * S)).toEqual({
      resultType: 'scalar',
      result: { timestampMs: 5 * S, value: 6 },
    });
    expect(await engine.instantQuery('"hello"', 5 * S)).toEqual({
      resultType: 'string',
      result: { timestampMs: 5 * S, value: 'hello' },
    });
  });

  it('returns range queries as a matrix sorted by labels, one point per step, scalars as {}', async () => {
    const two = engineOver([
      { labels: { __name__: 'y', k: 'b' }, samples: [[0, 1]] },
      { labels: { __name__: 'y', k: 'a' }, samples: [[30 * S, 2]] },
    ]);
    const result = await two.rangeQuery('y', 0, 60 * S, 20 * S);
    expect(result).toEqual({
      resultType: 'matrix',
      result: [
        { metric: { __name__: 'y', k: 'a' }, timestampsMs: [40 * S, 60 * S], values: [2, 2] },
        {
          metric: { __name__: 'y', k: 'b' },
          timestampsMs: [0, 20 * S, 40 * S, 60 * S],
          values: [1, 1, 1, 1],
        },
      ],
    });
    expect(await two.rangeQuery('time()', 0, 10 * S, 5 * S)).toEqual({
      resultType: 'matrix',
      result: [{ metric: {}, timestampsMs: [0, 5 * S, 10 * S], values: [0, 5, 10] }],
    });
  });

  it('evaluates range queries at start + k·step, unaligned to the step', async () => {
    const result = await engine.rangeQuery('x', 7 * S, 40 * S, 11 * S);
    expect(result.resultType === 'matrix' && result.result[0]!.timestampsMs).toEqual([
      7 * S,
      18 * S,
      29 * S,
      40 * S,
    ]);
  });
});

describe('selectors in time', () => {
  it('looks back up to 5 minutes inclusive, or as configured', async () => {
    const engine = engineOver([{ labels: { __name__: 'x' }, samples: [[0, 1]] }]);
    expect(single(await engine.instantQuery('x', 5 * M))).toBe(1);
    expect(single(await engine.instantQuery('x', 5 * M + 1))).toBeUndefined();
    const short = engineOver([{ labels: { __name__: 'x' }, samples: [[0, 1]] }], { lookbackDeltaMs: M });
    expect(single(await short.instantQuery('x', M))).toBe(1);
    expect(single(await short.instantQuery('x', M + 1))).toBeUndefined();
  });

  it('ends a series at a staleness marker, and range functions skip the marker', async () => {
    const engine = engineOver([
      {
        labels: { __name__: 'x' },
        samples: [
          [0, 1],
          [10 * S, 2],
          [20 * S, STALE_NAN],
          [30 * S, 3],
        ],
      },
    ]);
    expect(single(await engine.instantQuery('x', 15 * S))).toBe(2);
    expect(single(await engine.instantQuery('x', 25 * S))).toBeUndefined();
    expect(single(await engine.instantQuery('x', 30 * S))).toBe(3);
    expect(single(await engine.instantQuery('count_over_time(x[1m])', 30 * S))).toBe(3);
  });

  it('shifts by offset (negative too) and pins with @, start() and end()', async () => {
    const engine = engineOver([regular('x', 100, 10 * S, (i) => i)]);
    expect(single(await engine.instantQuery('x offset 1m', 200 * S))).toBe(14);
    expect(single(await engine.instantQuery('x offset -1m', 200 * S))).toBe(26);
    expect(single(await engine.instantQuery('x @ 50', 200 * S))).toBe(5);
    const range = await engine.rangeQuery('x @ start() + x @ end() - x', 100 * S, 300 * S, 100 * S);
    expect(range.resultType === 'matrix' && range.result[0]!.values).toEqual([40 - 10, 40 - 20, 40 - 30]);
  });

  it('takes range windows closed on the left by default, left-open when asked', async () => {
    const series = [regular('x', 5, M, (i) => i)];
    expect(single(await engineOver(series).instantQuery('count_over_time(x[2m])', 3 * M))).toBe(3);
    const open = engineOver(series, { leftOpenRanges: true });
    expect(single(await open.instantQuery('count_over_time(x[2m])', 3 * M))).toBe(2);
    // Subquery steps follow the same rule: [2m:1m] at 3m holds 1m, 2m, 3m (closed) or 2m, 3m (open).
    expect(single(await engineOver(series).instantQuery('count_over_time(x[2m:1m])', 3 * M))).toBe(3);
    expect(single(await open.instantQuery('count_over_time(x[2m:1m])', 3 * M))).toBe(2);
  });

  it('aligns subquery steps to absolute multiples of the step', async () => {
    const engine = engineOver([regular('x', 100, S, (i) => i)]);
    // [10s:4s] at 25s: steps 16, 20, 24 (not 15, 19, 23, …).
    expect(single(await engine.instantQuery('sum_over_time(x[10s:4s])', 25 * S))).toBe(16 + 20 + 24);
    const defaultStep = engineOver([regular('x', 100, S, (i) => i)], { noStepSubqueryIntervalMs: 5 * S });
    expect(single(await defaultStep.instantQuery('sum_over_time(x[10s:])', 25 * S))).toBe(15 + 20 + 25);
  });
});

/** A querier that records its calls. */
function recording(inner: SeriesQuerier): { querier: SeriesQuerier; calls: [string, number, number][] } {
  const calls: [string, number, number][] = [];
  return {
    calls,
    querier: {
      select: (matchers: readonly LabelMatcher[], minT: number, maxT: number): Promise<SeriesSamples[]> => {
        calls.push([matchers.map((m) => `${m.name}${m.type}${m.value}`).join(','), minT, maxT]);
        return inner.select(matchers, minT, maxT);
      },
      labelNames: (m, a, b) => inner.labelNames(m, a, b),
      labelValues: (n, m, a, b) => inner.labelValues(n, m, a, b),
    },
  };
}

describe('fetching', () => {
  it('selects each selector once, over exactly the time range evaluation can touch', async () => {
    const { querier, calls } = recording(new MemoryQuerier());
    const engine = createPromqlEngine({ querier });
    await engine.rangeQuery(
      'rate(a[5m] offset 1m) + b + max_over_time(c[10m:1m] offset 2m) + d @ 100',
      60 * M,
      90 * M,
      M,
    );
    expect(calls.sort()).toEqual([
      ['__name__=a', 60 * M - 6 * M, 90 * M - M],
      ['__name__=b', 60 * M - 5 * M, 90 * M],
      ['__name__=c', 60 * M - 2 * M - 10 * M - 5 * M, 90 * M - 2 * M],
      ['__name__=d', 100 * S - 5 * M, 100 * S],
    ]);
  });
});

describe('limits and errors', () => {
  const series = [
    regular('x', 100, 15 * S, (i) => i),
    { labels: { __name__: 'x', k: '2' }, samples: [[0, 1]] as [number, number][] },
  ];

  it('refuses to hold more than maxSamples', async () => {
    const engine = engineOver(series, { maxSamples: 10 });
    const error = await engine.instantQuery('sum_over_time(x[10m])', 20 * M).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromqlExecutionError);
    expect(error).toMatchObject({
      errorType: 'execution',
      message: 'query processing would load too many samples into memory in query execution',
    });
    await expect(
      engineOver(series, { maxSamples: 10 }).rangeQuery('x', 0, 20 * M, 15 * S),
    ).rejects.toMatchObject({
      errorType: 'execution',
    });
    await expect(
      engineOver(series, { maxSamples: 1000 }).instantQuery('sum_over_time(x[10m])', 20 * M),
    ).resolves.toBeDefined();
  });

  it('times out by the injected clock, per engine or per query', async () => {
    let clock = 0;
    const now = () => (clock += 1000);
    const engine = engineOver(series, { now, timeoutMs: 60_000 });
    await expect(engine.rangeQuery('x', 0, 24 * 60 * M, 15 * S)).rejects.toMatchObject({
      errorType: 'timeout',
      message: 'query timed out in expression evaluation',
    });
    await expect(engine.instantQuery('x', 0, { timeoutMs: 500 })).rejects.toMatchObject({
      errorType: 'timeout',
    });
    await expect(engine.instantQuery('x', 0)).resolves.toBeDefined();
  });

  it('rejects bad range queries as bad_data', async () => {
    const engine = engineOver(series);
    await expect(engine.rangeQuery('x[5m]', 0, 10, 1)).rejects.toMatchObject({
      errorType: 'bad_data',
      message: 'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    });
    await expect(engine.rangeQuery('x', 0, 10, 0)).rejects.toMatchObject({ errorType: 'bad_data' });
    await expect(engine.rangeQuery('x', 10, 0, 1)).rejects.toMatchObject({
      message: 'end timestamp must not be before start time',
    });
    await expect(engine.instantQuery('sum(', 0)).rejects.toBeInstanceOf(PromqlParseError);
  });

  it('reports ambiguous matches and duplicate output series like Prometheus', async () => {
    const engine = engineOver([
      { labels: { __name__: 'a', job: 'j', i: '1' }, samples: [[0, 1]] },
      { labels: { __name__: 'a', job: 'j', i: '2' }, samples: [[0, 2]] },
      { labels: { __name__: 'b', job: 'j', i: '1' }, samples: [[0, 3]] },
    ]);
    await expect(engine.instantQuery('b / on(job) a', 0)).rejects.toThrow(
      /many-to-many matching not allowed/,
    );
    await expect(engine.instantQuery('a / on(job) b', 0)).rejects.toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
    await expect(engine.instantQuery('{job="j", i="1"} * 1', 0)).rejects.toThrow(
      'vector cannot contain metrics with the same labelset',
    );
    expect(vectorValues(await engine.instantQuery('a / on(job) group_left b', 0))).toEqual({
      [JSON.stringify({ i: '1', job: 'j' })]: 1 / 3,
      [JSON.stringify({ i: '2', job: 'j' })]: 2 / 3,
    });
  });

  it('turns storage failures into internal errors', async () => {
    const failing: SeriesQuerier = {
      select: () => Promise.reject(new Error('disk on fire')),
      labelNames: () => Promise.resolve([]),
      labelValues: () => Promise.resolve([]),
    };
    await expect(createPromqlEngine({ querier: failing }).instantQuery('x', 0)).rejects.toMatchObject({
      errorType: 'internal',
      message: 'expanding series: disk on fire',
    });
  });
});
