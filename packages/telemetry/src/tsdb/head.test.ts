import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsKey, matchesAll, matchesValue, type LabelMatcher, type Labels } from '../model/labels.js';
import { OutOfOrderSampleError } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatHi, floatLo } from './float-bits.js';
import { Head, OutOfBoundsSampleError, UnknownSeriesRefError } from './head.js';
import { EmptySelectorError } from './postings.js';
import { MAX_SAMPLES_PER_CHUNK } from './xor-chunk.js';

const HOUR = 3_600_000;

function append(head: Head, labels: Labels, t: number, value: number): boolean {
  return head.append(head.getOrCreate(labels), t, floatHi(value), floatLo(value));
}

const NAMES = ['job', 'instance', 'code'] as const;
const VALUES = ['a', 'b', 'ab', 'c', 'api', 'web'] as const;
const PATTERNS = ['a', 'a.*', 'b|c', '.*', '.+', 'a?', '', 'w.b', '[ab]+', 'x'] as const;

const labelSetArb = fc.record(
  {
    __name__: fc.constantFrom('up', 'http_requests_total', 'mem'),
    job: fc.constantFrom(...VALUES),
    instance: fc.constantFrom(...VALUES),
    code: fc.constantFrom(...VALUES),
  },
  { requiredKeys: ['__name__'] },
);

const matcherArb: fc.Arbitrary<LabelMatcher> = fc.record({
  name: fc.constantFrom('__name__', ...NAMES, 'absent'),
  type: fc.constantFrom('=' as const, '!=' as const, '=~' as const, '!~' as const),
  value: fc.oneof(fc.constantFrom(...PATTERNS), fc.constantFrom('up', 'mem', 'http_requests_total')),
});

describe('head selection', () => {
  it('selects exactly what a brute-force filter of every series selects, for every matcher type', () => {
    fc.assert(
      fc.property(
        fc.array(labelSetArb, { minLength: 1, maxLength: 40 }),
        fc.array(matcherArb, { minLength: 1, maxLength: 4 }),
        (labelSets, matchers) => {
          const head = new Head(2 * HOUR);
          labelSets.forEach((labels, i) => append(head, labels, 1000 + i, i));
          const keys = [...new Set(labelSets.map((l) => labelsKey(l)))];
          const all = keys.map((key) => labelSets.find((l) => labelsKey(l) === key)!);
          if (matchers.every((m) => matchesValue(m, ''))) {
            expect(() => head.select(matchers, -Infinity, Infinity, false)).toThrow(EmptySelectorError);
            // Allowed for label queries: then it starts from every series.
            const loose = head.select(matchers, -Infinity, Infinity, true).map((s) => s.key);
            expect(loose.sort()).toEqual(
              all
                .filter((l) => matchesAll(matchers, l))
                .map((l) => labelsKey(l))
                .sort(),
            );
            return;
          }
          const got = head.select(matchers, -Infinity, Infinity, false).map((s) => s.key);
          const expected = all.filter((l) => matchesAll(matchers, l)).map((l) => labelsKey(l));
          expect(got.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses a selector whose matchers all match the empty string, with a clear message', () => {
    const head = new Head(2 * HOUR);
    append(head, { __name__: 'up', job: 'a' }, 1, 1);
    expect(() => head.select([{ name: 'job', type: '=~', value: '.*' }], 0, 10, false)).toThrow(
      /at least one non-empty matcher/,
    );
    expect(() => head.select([{ name: 'job', type: '!=', value: 'a' }], 0, 10, false)).toThrow(
      EmptySelectorError,
    );
  });

  it('leaves out series without chunks in the time range', () => {
    const head = new Head(2 * HOUR);
    append(head, { __name__: 'up', job: 'old' }, 1000, 1);
    append(head, { __name__: 'up', job: 'new' }, 9000, 1);
    const got = head.select([{ name: '__name__', type: '=', value: 'up' }], 5000, 10_000, false);
    expect(got.map((s) => s.labels.job)).toEqual(['new']);
  });
});

describe('head appends', () => {
  it('refuses out-of-order samples and ignores exact duplicates', () => {
    const head = new Head(2 * HOUR);
    const labels = { __name__: 'up', job: 'api' };
    expect(append(head, labels, 1000, 1)).toBe(true);
    expect(append(head, labels, 2000, Number.NaN)).toBe(true);
    expect(append(head, labels, 2000, Number.NaN)).toBe(false); // Same bits: ignored.
    expect(() => append(head, labels, 2000, STALE_NAN)).toThrow(OutOfOrderSampleError); // Other NaN bits.
    expect(() => append(head, labels, 2000, 5)).toThrow(/different value/);
    expect(() => append(head, labels, 1500, 5)).toThrow(/out-of-order/);
    expect(head.numSamples).toBe(2);
  });

  it('refuses samples older than the minimum valid time, bad timestamps and series without a name', () => {
    const head = new Head(2 * HOUR);
    head.minValidTime = 10_000;
    expect(() => append(head, { __name__: 'up' }, 9_999, 1)).toThrow(OutOfBoundsSampleError);
    expect(() => append(head, { __name__: 'up' }, 10_000.5, 1)).toThrow(OutOfBoundsSampleError);
    expect(() => append(head, { __name__: 'up' }, 2 ** 52, 1)).toThrow(/within ±2\^51/);
    // Counted as refused by appenders that catch OutOfOrderSampleError (the scraper).
    expect(() => append(head, { __name__: 'up' }, Number.NaN, 1)).toThrow(OutOfOrderSampleError);
    expect(() => append(head, { job: 'x' }, 10_000, 1)).toThrow(/__name__/);
    expect(() => append(head, { __name__: '', job: 'x' }, 10_000, 1)).toThrow(/__name__/);
  });

  it('normalises labels: empty values are absent, so both spellings are one series', () => {
    const head = new Head(2 * HOUR);
    append(head, { __name__: 'up', job: 'a', extra: '' }, 1, 1);
    append(head, { job: 'a', __name__: 'up' }, 2, 1);
    expect(head.numSeries).toBe(1);
    expect(head.index.labelNames()).toEqual(['__name__', 'job']);
  });

  it('cuts chunks at 120 samples and at every block boundary', () => {
    const head = new Head(HOUR);
    const series = head.getOrCreate({ __name__: 'up' });
    // 300 samples every 15 s from 00:50: the 01:00 boundary falls at sample 40.
    for (let i = 0; i < 300; i++) head.append(series, 50 * 60_000 + i * 15_000, 0, i);
    const chunks = series.chunks();
    expect(chunks.map((c) => c.count)).toEqual([40, MAX_SAMPLES_PER_CHUNK, MAX_SAMPLES_PER_CHUNK, 20]);
    expect(chunks[0]!.maxT).toBeLessThan(HOUR);
    expect(chunks[1]!.minT).toBe(HOUR);
  });

  it('drops chunks before a block boundary and garbage-collects the series left empty', () => {
    const head = new Head(HOUR);
    const gone = head.getOrCreate({ __name__: 'up', job: 'gone' });
    const kept = head.getOrCreate({ __name__: 'up', job: 'kept' });
    head.append(gone, 1000, 0, 1);
    head.append(kept, 1000, 0, 1);
    head.append(kept, HOUR + 1000, 0, 2);
    const before = head.chunksBefore(HOUR);
    expect(before.map((s) => s.labels.job)).toEqual(['gone', 'kept']);
    head.dropChunksBefore(HOUR);
    expect(head.numSeries).toBe(1);
    expect(head.numSamples).toBe(1);
    expect(head.minT).toBe(HOUR + 1000);
    expect(head.index.labelValues('job')).toEqual(['kept']);
    expect(() => head.byRef(gone.id)).toThrow(UnknownSeriesRefError);
    expect(() => head.append(kept, HOUR - 1, 0, 1)).toThrow(OutOfOrderSampleError);
  });

  it('reuses a label set restored under two ids (a series re-created after garbage collection)', () => {
    const head = new Head(HOUR);
    const a = head.restore(5, { __name__: 'up' });
    const b = head.restore(9, { __name__: 'up' });
    expect(b).toBe(a);
    // New series get ids after every id seen.
    expect(head.getOrCreate({ __name__: 'other' }).id).toBe(10);
  });
});
