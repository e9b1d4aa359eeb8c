import { describe, expect, it } from 'vitest';
import type { Detector, DetectorFactory, DetectorSnapshot } from '../detectors/detector.js';
import type { LiveSignal } from './anomaly-event.js';
import { LiveSeries, type EpisodeRules } from './live-series.js';

/** A detector that says what it is told: the score of a value is `scores.get(value) ?? 0`. */
function scripted(scores: Map<number, number>): DetectorFactory {
  const make = (points: number): Detector => ({
    update(_t, value) {
      points += 1;
      return scores.get(value) ?? 0;
    },
    snapshot: (): DetectorSnapshot => ({ detector: 'scripted', version: 1, state: { points } }),
    stats: () => ({ points, skipped: 0 }),
  });
  return {
    name: 'scripted',
    create: () => make(0),
    restore: (s) => make((s.state as { points: number }).points),
  };
}

const SIGNAL: LiveSignal = {
  name: 'latency_p95',
  kind: 'latency',
  unit: 'seconds',
  title: 'p95',
  query: 'q',
};
const RULES: EpisodeRules = { threshold: 0.8, warmupPoints: 5, clearAfter: 2, quietAfter: 3 };

function feed(series: LiveSeries, values: number[], from = 0) {
  return values.map((v, i) => series.observe((from + i) * 1000, v));
}

describe('LiveSeries episodes', () => {
  it('opens on errors far above the recent band even when the detector has learnt the pattern', () => {
    const errors: LiveSignal = {
      name: 'errors',
      kind: 'errors',
      unit: 'ratio',
      title: '5xx',
      query: 'q',
      minDeviation: 0.005,
    };
    const s = new LiveSeries(errors, 'checkout', { service: 'checkout' }, scripted(new Map()), RULES);
    feed(s, [0, 0, 0, 0, 0, 0, 0]);
    // Scored 0 (known to the detector), yet 100 % against a band of 0 ± 0.5 %: harm, not a pattern.
    expect(feed(s, [1], 7)[0]).toMatchObject({ kind: 'opened', event: { value: 1, expected: 0 } });
    // Short of ten half-widths, the detector decides: 4 % scored 0 stays silent.
    const quiet = new LiveSeries(errors, 'checkout', { service: 'checkout' }, scripted(new Map()), RULES);
    feed(quiet, [0, 0, 0, 0, 0, 0, 0]);
    expect(feed(quiet, [0.04], 7)[0]!.kind).toBe('none');
    // Not for kinds users do not feel: CPU ten times its band stays the detector's call.
    const cpu: LiveSignal = { name: 'cpu', kind: 'saturation', unit: 'cores', title: 'cpu', query: 'q' };
    const busy = new LiveSeries(cpu, 'checkout', { service: 'checkout' }, scripted(new Map()), RULES);
    feed(busy, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(feed(busy, [2], 7)[0]!.kind).toBe('none');
  });

  const scores = new Map([
    [50, 0.9],
    [51, 0.95],
    [10.5, 0.9],
  ]);

  it('stays silent while warming up, and for high scores inside the expected band', () => {
    const s = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES);
    expect(feed(s, [10, 10, 50]).map((c) => c.kind)).toEqual(['none', 'none', 'none']);
    // Warm now, but 10.5 is within 20 % of the expected 10.
    expect(feed(s, [10, 10, 10, 10, 10.5], 3).map((c) => c.kind)).toEqual([
      'none',
      'none',
      'none',
      'none',
      'none',
    ]);
  });

  it('opens with the expected band, keeps the peak, resolves when back in band', () => {
    const s = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES);
    feed(s, [10, 10, 10, 10, 10, 10, 10]);
    const [open, peak, , back1, back2] = feed(s, [50, 51, 49, 10, 10], 7);
    expect(open).toMatchObject({ kind: 'opened', event: { value: 50, expected: 10, direction: 'above' } });
    expect(peak).toMatchObject({ kind: 'updated', event: { value: 51, score: 0.95, expected: 10 } });
    expect(back1!.kind).toBe('none');
    expect(back2).toMatchObject({ kind: 'resolved', event: { state: 'resolved', endsAtMs: 11_000 } });
    expect(s.firing()).toBeNull();
  });

  it('resolves a lasting shift once the detector has gone quiet on it', () => {
    const cpu: LiveSignal = { ...SIGNAL, name: 'cpu', kind: 'saturation', unit: 'cores' };
    const s = new LiveSeries(cpu, 'orders', { service: 'orders' }, scripted(scores), RULES);
    feed(s, [10, 10, 10, 10, 10, 10, 10]);
    const changes = feed(s, [50, 49, 49, 49], 7);
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'none', 'none', 'resolved']);
    // Latency five times its band is harm: it stays open until the recent past (the band) has moved to it.
    const latency = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES);
    feed(latency, [10, 10, 10, 10, 10, 10, 10]);
    expect(feed(latency, [50, 49, 49, 49], 7).map((c) => c.kind)).toEqual([
      'opened',
      'updated',
      'updated',
      'updated',
    ]);
  });

  it('reports how bad a growing episode gets, and does not take a still-growing series for a new level', () => {
    // A stalled consumer: its lag grows every point; the detector, having learnt the slope, scores it 0.
    const lag: LiveSignal = { ...SIGNAL, name: 'consumer_lag', kind: 'saturation', unit: 'seconds' };
    const s = new LiveSeries(
      lag,
      'notifications',
      { service: 'notifications' },
      scripted(new Map([[5, 0.9]])),
      RULES,
    );
    feed(s, [0, 0, 0, 0, 0, 0, 0]);
    const changes = feed(s, [5, 6, 10, 20, 21, 40], 7);
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'none', 'updated', 'updated', 'none', 'updated']);
    expect(changes[5]).toMatchObject({ event: { value: 5, worst: 40, score: 0.9, lastAnomalousAtMs: 7000 } });
    // Once it stops growing, the quiet detector resolves it as before.
    expect(feed(s, [40, 40, 40], 13).map((c) => c.kind)).toEqual(['none', 'none', 'resolved']);
  });

  it('skips non-finite values and continues identically from a snapshot', () => {
    const a = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES);
    feed(a, [10, 10, NaN, 10, 10, 10, 10, 10, 50]);
    expect(a.status()).toMatchObject({ points: 9, lastValue: 50, firing: 'orders/latency_p95@8000' });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES, snap);
    expect(feed(b, [51, 10, 10], 9)).toEqual(feed(a, [51, 10, 10], 9));
    expect(b.status()).toEqual(a.status());
  });

  it('ignores points not newer than the last', () => {
    const s = new LiveSeries(SIGNAL, 'orders', { service: 'orders' }, scripted(scores), RULES);
    s.observe(5000, 10);
    expect(s.observe(5000, 50).kind).toBe('none');
    s.learn(4000, 50);
    expect(s.status()).toMatchObject({ points: 1, lastAtMs: 5000 });
  });
});
