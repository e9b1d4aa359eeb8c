import { describe, expect, it } from 'vitest';
import { ErrorBurstTracker } from './error-burst.js';
import { LogInsights, type LogEvent } from './log-insights.js';
import { levelOf, levelOfPlainLine } from './log-level.js';

const MIN = 60_000;
const pino = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level, time: '2026-12-06T12:00:00.000Z', service: 'orders', msg, ...extra });

/** Normal traffic of a service: three templates with varying values, one line per second. */
function normalLines(insights: LogInsights, fromMs: number, seconds: number) {
  for (let i = 0; i < seconds; i++) {
    const at = fromMs + i * 1000;
    const n = 1000 + i;
    const line =
      i % 3 === 0
        ? pino(30, `request served in ${(i % 17) + 3} ms`, { route: '/x' })
        : i % 3 === 1
          ? pino(30, `order ${n} placed for customer c-${n % 97}`)
          : pino(20, `cache hit ratio ${(i % 10) / 10}`);
    insights.observe('orders', line, at);
  }
}

describe('levels', () => {
  it('reads pino numbers, names and the first words of plain lines', () => {
    expect([levelOf('30'), levelOf('50'), levelOf('WARNING'), levelOf(undefined)]).toEqual([
      'info',
      'error',
      'warn',
      'unknown',
    ]);
    expect(levelOfPlainLine('2026-12-06 12:00:01 ERROR db: timeout')).toBe('error');
    expect(levelOfPlainLine('[WARN] disk almost full')).toBe('warn');
    expect(levelOfPlainLine('all good')).toBe('unknown');
  });
});

describe('LogInsights', () => {
  it('counts templates per level, with first and last seen and an example', () => {
    const insights = new LogInsights();
    normalLines(insights, 0, 300);
    const templates = insights.templates('orders')!;
    expect(templates.map((t) => t.template)).toEqual([
      'request served in <*> ms',
      'order <*> placed for customer c-<*>',
      'cache hit ratio <*>',
    ]);
    expect(templates[0]).toMatchObject({
      count: 100,
      levels: { info: 100 },
      firstSeenMs: 0,
      lastSeenMs: 297_000,
    });
    expect(templates[2]!.levels).toEqual({ debug: 100 });
    expect(templates[1]!.example).toBe('order 1001 placed for customer c-31');
    expect(insights.counters()).toHaveLength(3);
    expect(insights.templates('nobody')).toBeUndefined();
  });

  it('raises exactly one event for a never-seen warning template, none while warming up', () => {
    const events: LogEvent[] = [];
    const insights = new LogInsights({ onEvent: (e) => events.push(e), warmupLines: 100, warmupMs: MIN });
    insights.observe('orders', pino(40, 'payment gateway slow, retrying'), 0);
    normalLines(insights, 1000, 200);
    expect(events).toEqual([]);
    for (let i = 0; i < 20; i++)
      insights.observe('orders', pino(40, `stock for sku-${i} is low: ${i} left`), 300_000 + i);
    insights.observe('orders', pino(30, 'a new info template'), 400_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'new-template',
      service: 'orders',
      level: 'warn',
      template: 'stock for sku-<*> is low: <*> left',
      example: 'stock for sku-0 is low: 0 left',
    });
  });

  it('raises one event for a burst of errors, not hundreds, and another for a later burst', () => {
    const events: LogEvent[] = [];
    const insights = new LogInsights({ onEvent: (e) => events.push(e), warmupLines: 0, warmupMs: 0 });
    normalLines(insights, 0, 1200);
    // An occasional error is no burst.
    for (let m = 0; m < 20; m++)
      insights.observe('orders', pino(50, `db timeout after ${m} ms`), 1_200_000 + m * MIN);
    const burstAt = 1_200_000 + 20 * MIN;
    for (let i = 0; i < 500; i++) {
      insights.observe('orders', pino(50, `payment ${i} failed: connection refused`), burstAt + i * 200);
    }
    const bursts = events.filter((e) => e.kind === 'error-burst');
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({ service: 'orders' });
    if (bursts[0]!.kind !== 'error-burst') throw new Error('not a burst');
    expect(bursts[0]!.errors).toBeGreaterThanOrEqual(10);
    expect(bursts[0]!.topTemplates[0]!.template).toBe('payment <*> failed: connection refused');
    // Quiet for five minutes, then a second burst: a second event.
    const again = burstAt + 100_000 + 5 * MIN;
    for (let i = 0; i < 100; i++)
      insights.observe('orders', pino(50, `payment ${i} failed: connection refused`), again + i * 100);
    expect(events.filter((e) => e.kind === 'error-burst')).toHaveLength(2);
  });

  it('keeps template ids, counts and events across a snapshot and restore', () => {
    const a = new LogInsights({ warmupLines: 0, warmupMs: 0 });
    normalLines(a, 0, 200);
    a.observe('orders', pino(50, 'boom 1'), 300_000);
    const b = new LogInsights({ warmupLines: 0, warmupMs: 0 }, JSON.parse(JSON.stringify(a.snapshot())));
    for (const x of [a, b]) normalLines(x, 400_000, 30);
    expect(b.templates('orders')).toEqual(a.templates('orders'));
    expect(b.recentEvents()).toEqual(a.recentEvents());
    expect(b.counters()).toEqual(a.counters());
  });

  it('mines plain (non-JSON) lines too', () => {
    const insights = new LogInsights();
    insights.observe('legacy', 'ERROR connection to 10.0.0.7:5432 lost', 0);
    insights.observe('legacy', 'ERROR connection to 10.0.0.9:5432 lost', 1);
    expect(insights.templates('legacy')!.map((t) => [t.template, t.levels])).toEqual([
      ['ERROR connection to <*> lost', { error: 2 }],
    ]);
  });
});

describe('ErrorBurstTracker', () => {
  it('learns a noisy baseline, so the usual error rate is no burst', () => {
    const t = new ErrorBurstTracker({ minErrors: 10, factor: 5 });
    let started = 0;
    // 20 errors a minute for two hours: above minErrors, but normal for this service.
    for (let s = 0; s < 7200; s += 3) if (t.error(s * 1000) === 'started') started++;
    expect(started).toBe(1); // the first minute, before any baseline
    expect(t.baseline).toBeGreaterThan(15);
  });
});
