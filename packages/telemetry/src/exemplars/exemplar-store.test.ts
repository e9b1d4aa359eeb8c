import { describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../model/labels.js';
import { parsePromql } from '../promql/parse.js';
import { createExemplarStore } from './exemplar-store.js';
import { extractSelectors } from './extract-selectors.js';
import { queryExemplars } from './query-exemplars.js';

const bucket = (le: string, job = 'api') => ({ __name__: 'latency_bucket', job, le });
const ex = (trace: string, timestampMs: number, value = 0.5) => ({
  labels: { trace_id: trace },
  value,
  timestampMs,
});
const all: LabelMatcher[][] = [[{ name: '__name__', type: '=~', value: '.+' }]];

describe('createExemplarStore', () => {
  it('keeps each series in order and drops the exemplar re-scraped unchanged', () => {
    const store = createExemplarStore();
    expect(store.append(bucket('1'), ex('a', 1000))).toBe('added');
    // The same exemplar at the next scrape: Prometheus drops it.
    expect(store.append(bucket('1'), ex('a', 1000))).toBe('duplicate');
    expect(store.append(bucket('1'), ex('b', 2000))).toBe('added');
    expect(store.append(bucket('1'), ex('c', 1500))).toBe('out_of_order');
    expect(store.append(bucket('+Inf'), ex('d', 1500))).toBe('added');
    expect(store.size).toBe(3);
    expect(store.select(0, 10_000, all)).toEqual([
      { seriesLabels: bucket('+Inf'), exemplars: [ex('d', 1500)] },
      { seriesLabels: bucket('1'), exemplars: [ex('a', 1000), ex('b', 2000)] },
    ]);
  });

  it('overwrites the oldest exemplars once full, whichever series they belong to', () => {
    const store = createExemplarStore({ maxExemplars: 3 });
    store.append(bucket('1'), ex('a', 1));
    store.append(bucket('2'), ex('b', 2));
    store.append(bucket('1'), ex('c', 3));
    store.append(bucket('1'), ex('d', 4)); // evicts a
    store.append(bucket('3'), ex('e', 5)); // evicts b: series le=2 is gone
    expect(store.size).toBe(3);
    expect(store.select(0, 10, all)).toEqual([
      { seriesLabels: bucket('1'), exemplars: [ex('c', 3), ex('d', 4)] },
      { seriesLabels: bucket('3'), exemplars: [ex('e', 5)] },
    ]);
    for (let t = 6; t < 20; t += 1) store.append(bucket('1'), ex(`x${t}`, t));
    expect(store.size).toBe(3);
    expect(store.select(0, 100, all)).toEqual([
      { seriesLabels: bucket('1'), exemplars: [ex('x17', 17), ex('x18', 18), ex('x19', 19)] },
    ]);
  });

  it('stores nothing with maxExemplars 0 and refuses a negative bound', () => {
    const store = createExemplarStore({ maxExemplars: 0 });
    expect(store.append(bucket('1'), ex('a', 1))).toBe('disabled');
    expect(store.select(0, 10, all)).toEqual([]);
    expect(() => createExemplarStore({ maxExemplars: -1 })).toThrow(/non-negative integer/);
  });

  it('selects by matchers and time range, both ends included', () => {
    const store = createExemplarStore();
    store.append(bucket('1', 'api'), ex('a', 1000));
    store.append(bucket('1', 'api'), ex('b', 2000));
    store.append(bucket('1', 'api'), ex('c', 3000));
    store.append(bucket('1', 'web'), ex('d', 2000));
    expect(store.select(2000, 3000, [[{ name: 'job', type: '=', value: 'api' }]])).toEqual([
      { seriesLabels: bucket('1', 'api'), exemplars: [ex('b', 2000), ex('c', 3000)] },
    ]);
    expect(store.select(4000, 5000, all)).toEqual([]);
  });
});

describe('queryExemplars', () => {
  it('looks up every selector of the PromQL expression, as Prometheus does', () => {
    const store = createExemplarStore();
    store.append(bucket('1', 'api'), ex('a', 1000));
    store.append(bucket('1', 'web'), ex('b', 1000));
    store.append({ __name__: 'other_total', job: 'api' }, ex('c', 1000));
    const query =
      'histogram_quantile(0.9, sum by (le) (rate(latency_bucket{job="api"}[5m]))) / on() group_left other_total';
    expect(extractSelectors(parsePromql(query))).toHaveLength(2);
    const found = queryExemplars(store, query, 0, 2000);
    expect(found?.map((s) => s.exemplars[0]?.labels.trace_id)).toEqual(['a', 'c']);
    expect(queryExemplars(store, '1 + 1', 0, 2000)).toBeNull();
    expect(() => queryExemplars(store, 'sum(', 0, 2000)).toThrow(/unclosed left parenthesis/);
  });
});
