import type { AnomalyEvent } from '@opsloop/aiops';
import { describe, expect, it } from 'vitest';
import { formatAnomalies, formatSeries } from './anomalies.js';

const FIRING: AnomalyEvent = {
  id: 'orders/latency_p95@1765022400000',
  service: 'orders',
  signal: 'latency_p95',
  kind: 'latency',
  unit: 'seconds',
  labels: { service: 'orders' },
  query: 'q',
  state: 'firing',
  startsAtMs: Date.parse('2026-12-06T12:00:00Z'),
  lastAnomalousAtMs: Date.parse('2026-12-06T12:04:00Z'),
  score: 0.912,
  atMs: Date.parse('2026-12-06T12:02:00Z'),
  value: 0.412,
  expected: 0.05,
  expectedLow: 0.04,
  expectedHigh: 0.06,
  direction: 'above',
  detector: 'opsloop',
};

const RESOLVED: AnomalyEvent = { ...FIRING, state: 'resolved', endsAtMs: Date.parse('2026-12-06T12:05:30Z') };

describe('opsloop anomalies', () => {
  it('lists episodes with their peak against the expected value, in the signal unit', () => {
    const now = Date.parse('2026-12-06T12:10:00Z');
    const firing: AnomalyEvent = {
      ...FIRING,
      id: 'catalog/errors@1',
      service: 'catalog',
      signal: 'errors',
      unit: 'ratio',
      startsAtMs: Date.parse('2026-12-06T12:08:00Z'),
      value: 0.2,
      expected: 0,
    };
    const lines = formatAnomalies([firing, RESOLVED], now).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STATE\s+SERVICE\s+SIGNAL\s+STARTED \(UTC\)\s+FOR\s+PEAK\s+EXPECTED\s+SCORE$/);
    expect(lines[1]).toMatch(
      /^FIRING\s+catalog\s+errors\s+2026-12-06 12:08:00\s+2m0s\s+20 % \(above\)\s+0 %\s+0.91$/,
    );
    expect(lines[2]).toMatch(
      /^RESOLVED\s+orders\s+latency_p95\s+2026-12-06 12:00:00\s+5m30s\s+412 ms \(above\)\s+50 ms\s+0.91$/,
    );
    expect(formatAnomalies([], now)).toBe('no anomalies\n');
  });

  it('lists watched series, marking those still learning', () => {
    const text = formatSeries([
      {
        service: 'orders',
        signal: 'traffic',
        kind: 'traffic',
        unit: 'requests/s',
        labels: { service: 'orders' },
        points: 12,
        skipped: 0,
        warmingUp: true,
        lastAtMs: 1,
        lastValue: 12.5,
        lastScore: 0.1,
        expected: 12,
        expectedLow: 10.8,
        expectedHigh: 13.2,
        firing: null,
      },
    ]);
    expect(text.split('\n')[1]).toMatch(
      /^orders\s+traffic\s+12.5 requests\/s\s+10.8 requests\/s to 13.2 requests\/s\s+0.10\s+12 \(learning\)$/,
    );
    const logRate = formatSeries([
      {
        service: 'orders',
        signal: 'log_template_rate',
        kind: 'logs',
        unit: 'lines/s',
        labels: { service: 'orders', template_id: 't1' },
        points: 300,
        skipped: 0,
        warmingUp: false,
        lastAtMs: 1,
        lastValue: 0.5,
        lastScore: 0,
        expected: 0.5,
        expectedLow: 0.4,
        expectedHigh: 0.6,
        firing: null,
      },
    ]);
    expect(logRate.split('\n')[1]).toMatch(/^orders\s+log_template_rate\{template_id=t1\}\s+0.500 lines\/s/);
    expect(formatSeries([])).toBe('no series watched yet\n');
  });
});
