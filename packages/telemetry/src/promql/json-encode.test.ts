import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { formatQueryResult } from './http-api.js';
import { encodeQuerySuccess } from './json-encode.js';
import type { QueryResult } from './result.js';

const labelsArb = fc.dictionary(
  fc.constantFrom('__name__', 'job', 'le', 'a"b', 'ü'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
  { maxKeys: 4 },
);
const valueArb = fc.oneof(
  fc.double(),
  fc.integer().map((i) => i / 100),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, STALE_NAN, 1e21, 1e-7, 5e-324),
);
const timeArb = fc.oneof(
  fc.integer({ min: -1e12, max: 4e12 }),
  fc.double({ min: -1e12, max: 4e12, noNaN: true }),
);

const resultArb: fc.Arbitrary<QueryResult> = fc.oneof(
  fc
    .array(
      fc.record({ metric: labelsArb, points: fc.array(fc.tuple(timeArb, valueArb), { maxLength: 5 }) }),
      { maxLength: 4 },
    )
    .map((series) => ({
      resultType: 'matrix' as const,
      result: series.map((s) => ({
        metric: s.metric,
        timestampsMs: s.points.map((p) => p[0]),
        values: s.points.map((p) => p[1]),
      })),
    })),
  fc
    .array(fc.record({ metric: labelsArb, timestampMs: timeArb, value: valueArb }), { maxLength: 4 })
    .map((result) => ({ resultType: 'vector' as const, result })),
  fc
    .record({ timestampMs: timeArb, value: valueArb })
    .map((result) => ({ resultType: 'scalar' as const, result })),
  fc
    .record({ timestampMs: timeArb, value: fc.string({ unit: 'binary' }) })
    .map((result) => ({ resultType: 'string' as const, result })),
);

describe('encodeQuerySuccess', () => {
  it('writes exactly what JSON.stringify makes of the formatted result (property)', () => {
    fc.assert(
      fc.property(resultArb, (result) => {
        const expected = JSON.stringify({ status: 'success', data: formatQueryResult(result) });
        expect(encodeQuerySuccess(result)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('prints values the way Prometheus does', () => {
    const text = encodeQuerySuccess({
      resultType: 'matrix',
      result: [{ metric: { job: 'x' }, timestampsMs: [1500, 2000], values: [0.1, NaN] }],
    });
    expect(text).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[1.5,"0.1"],[2,"NaN"]]}]}}',
    );
  });
});
