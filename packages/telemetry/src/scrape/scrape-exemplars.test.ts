import { describe, expect, it } from 'vitest';
import { createExemplarStore } from '../exemplars/exemplar-store.js';
import type { Labels } from '../model/labels.js';
import type { SampleAppender } from '../model/series-store.js';
import { appendScrape } from './scrape-once.js';

const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const target = { url: 'http://127.0.0.1:1/metrics', labels: { job: 'api', instance: 'a' } };
const page = [
  '# TYPE lat histogram',
  'lat_bucket{le="1"} 1 # {trace_id="t1"} 0.5 100.5',
  'lat_bucket{le="+Inf"} 2 # {trace_id="t2"} 3',
  'lat_sum 3.5',
  'lat_count 2',
  '# EOF',
  '',
].join('\n');

function createMemoryAppender(): SampleAppender & { samples: { labels: Labels; t: number; v: number }[] } {
  const samples: { labels: Labels; t: number; v: number }[] = [];
  return {
    samples,
    append: (labels, t, v) => void samples.push({ labels, t, v }),
    commit: () => Promise.resolve(),
  };
}

describe('appendScrape with exemplars', () => {
  it('stores OpenMetrics exemplars under the series labels, stamped with the scrape time when they have none', () => {
    const store = createExemplarStore();
    const appender = createMemoryAppender();
    const outcome = appendScrape(
      appender,
      target,
      5_000,
      10,
      { text: page, contentType: OM },
      new Map(),
      store,
    );
    expect(outcome).toMatchObject({ ok: true, error: null, samples: 4 });
    const all = store.select(0, 1_000_000, [[{ name: 'job', type: '=', value: 'api' }]]);
    expect(all).toEqual([
      {
        seriesLabels: { __name__: 'lat_bucket', job: 'api', instance: 'a', le: '+Inf' },
        exemplars: [{ labels: { trace_id: 't2' }, value: 3, timestampMs: 5_000 }],
      },
      {
        seriesLabels: { __name__: 'lat_bucket', job: 'api', instance: 'a', le: '1' },
        exemplars: [{ labels: { trace_id: 't1' }, value: 0.5, timestampMs: 100_500 }],
      },
    ]);
  });

  it('fails the scrape with the line of a malformed OpenMetrics page and appends nothing of it', () => {
    const store = createExemplarStore();
    const appender = createMemoryAppender();
    const broken = page.replace('# EOF\n', '');
    const outcome = appendScrape(
      appender,
      target,
      5_000,
      10,
      { text: broken, contentType: OM },
      new Map(),
      store,
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe('line 5: the exposition does not end with "# EOF"');
    expect(store.size).toBe(0);
    expect(appender.samples.map((s) => s.labels['__name__'])).toEqual([
      'up',
      'scrape_duration_seconds',
      'scrape_samples_scraped',
      'scrape_series_added',
    ]);
  });
});
