import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { OutOfOrderSampleError, type SampleAppender } from '../model/series-store.js';
import { isStaleNaN } from '../model/stale-nan.js';
import { appendScrape } from './scrape-once.js';
import { createScrapeManager } from './scrape-manager.js';

interface Recorded {
  labels: Labels;
  t: number;
  v: number;
}

function recordingAppender(): SampleAppender & {
  samples: Recorded[];
  commits: number;
  of(name: string): Recorded[];
} {
  const last = new Map<string, number>();
  const samples: Recorded[] = [];
  const appender = {
    samples,
    commits: 0,
    append(labels: Labels, t: number, v: number) {
      const key = labelsKey(labels);
      const previous = last.get(key);
      if (previous !== undefined && t <= previous) throw new OutOfOrderSampleError(`${key} at ${t}`);
      last.set(key, t);
      samples.push({ labels, t, v });
    },
    commit() {
      appender.commits += 1;
      return Promise.resolve();
    },
    of: (name: string) => samples.filter((s) => s.labels.__name__ === name),
  };
  return appender;
}

const target = { url: 'http://127.0.0.1:1/metrics', labels: { job: 'orders', instance: 'orders-1' } };
const page = (value: number, extra = '') =>
  `# TYPE orders_total counter\norders_total{outcome="ok"} ${value}\n${extra}`;

describe('appendScrape', () => {
  it('appends every sample with the target labels under the exposed ones, then up and the scrape series', () => {
    const appender = recordingAppender();
    const text = `${page(3)}# TYPE g gauge\ng{job="exposed"} 1.5\n`;
    const outcome = appendScrape(appender, target, 1000, 12, { text }, new Map());
    expect(outcome.ok).toBe(true);
    expect(outcome.samples).toBe(2);
    expect(appender.of('orders_total')).toEqual([
      {
        labels: { job: 'orders', instance: 'orders-1', outcome: 'ok', __name__: 'orders_total' },
        t: 1000,
        v: 3,
      },
    ]);
    expect(appender.of('g')[0]?.labels.job).toBe('exposed');
    expect(appender.of('up')).toEqual([{ labels: { ...target.labels, __name__: 'up' }, t: 1000, v: 1 }]);
    expect(appender.of('scrape_duration_seconds')[0]?.v).toBe(0.012);
    expect(appender.of('scrape_samples_scraped')[0]?.v).toBe(2);
    expect(appender.of('scrape_series_added')[0]?.v).toBe(2);
  });

  it('marks series that disappeared stale, and every series when the target is down', () => {
    const appender = recordingAppender();
    const first = appendScrape(
      appender,
      target,
      1000,
      1,
      { text: page(1, '# TYPE g gauge\ng 2\n') },
      new Map(),
    );
    const second = appendScrape(appender, target, 2000, 1, { text: page(2) }, first.seen);
    const g = appender.of('g');
    expect(g).toHaveLength(2);
    expect(isStaleNaN(g[1]!.v)).toBe(true);
    expect(g[1]!.t).toBe(2000);
    expect(appender.of('scrape_series_added').map((s) => s.v)).toEqual([2, 0]);

    const third = appendScrape(appender, target, 3000, 5, { error: 'connection refused' }, second.seen);
    expect(third.ok).toBe(false);
    expect(third.error).toBe('connection refused');
    const orders = appender.of('orders_total');
    expect(orders.map((s) => s.t)).toEqual([1000, 2000, 3000]);
    expect(isStaleNaN(orders[2]!.v)).toBe(true);
    expect(appender.of('up').map((s) => s.v)).toEqual([1, 1, 0]);
  });

  it('appends nothing of a malformed page (one transaction) and reports it down with the parser message', () => {
    const appender = recordingAppender();
    const outcome = appendScrape(appender, target, 1000, 1, { text: 'orders_total{ 1\n' }, new Map());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/line 1/);
    expect(appender.of('orders_total')).toEqual([]);
    expect(appender.of('up')[0]?.v).toBe(0);
  });

  it('keeps timestamps the target gives, and counts samples refused as out of order', () => {
    const appender = recordingAppender();
    const first = appendScrape(appender, target, 5000, 1, { text: 'x 1 4000\n' }, new Map());
    expect(appender.of('x')[0]?.t).toBe(4000);
    const second = appendScrape(appender, target, 6000, 1, { text: 'x 2 4000\n' }, first.seen);
    expect(second.rejected).toBe(1);
    expect(second.samples).toBe(0);
  });
});

describe('createScrapeManager', () => {
  it('scrapes each target every interval from its slot, and marks a removed target stale', async () => {
    const clock = createManualClock(1_000_000);
    const appender = recordingAppender();
    let value = 0;
    const fetches: string[] = [];
    const manager = createScrapeManager({
      appender,
      clock,
      intervalMs: 5000,
      fetch: (url) => {
        fetches.push(url);
        value += 1;
        return Promise.resolve(page(value));
      },
    });
    manager.setTargets([target]);
    expect(manager.targets()[0]?.health).toBe('unknown');
    const flush = async () => {
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    };
    clock.advance(5000);
    await flush();
    expect(fetches).toHaveLength(1);
    clock.advance(5000);
    await flush();
    clock.advance(5000);
    await flush();
    expect(fetches).toHaveLength(3);
    const times = appender.of('up').map((s) => s.t);
    expect(times[1]! - times[0]!).toBe(5000);
    expect(times[2]! - times[1]!).toBe(5000);
    expect(manager.targets()[0]).toMatchObject({ health: 'up', samples: 1, lastError: null });
    expect(appender.commits).toBe(3);

    manager.setTargets([]);
    await flush();
    const orders = appender.of('orders_total');
    expect(isStaleNaN(orders[orders.length - 1]!.v)).toBe(true);
    expect(isStaleNaN(appender.of('up').at(-1)!.v)).toBe(true);
    clock.advance(20_000);
    await flush();
    expect(fetches).toHaveLength(3);
    await manager.stop();
  });

  it('reports a failing target down with its error and keeps scraping it', async () => {
    const clock = createManualClock(0);
    const appender = recordingAppender();
    const manager = createScrapeManager({
      appender,
      clock,
      fetch: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1')),
    });
    manager.setTargets([target]);
    await manager.scrapeAll();
    expect(manager.targets()[0]).toMatchObject({ health: 'down', lastError: 'ECONNREFUSED 127.0.0.1:1' });
    expect(appender.of('up').map((s) => s.v)).toEqual([0]);
    await manager.stop();
  });
});
