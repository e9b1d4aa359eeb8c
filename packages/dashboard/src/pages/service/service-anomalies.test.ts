import { describe, expect, it } from 'vitest';
import type { LiveSeriesStatus } from '../../api/service-types.js';
import { recordScores } from './service-anomalies.js';

const NOW = Date.parse('2026-12-07T06:00:00.000Z');

// As `GET /v1/anomalies/series?service=cart` answers one series.
const LIVE: LiveSeriesStatus = {
  service: 'cart',
  signal: 'traffic',
  kind: 'traffic',
  unit: 'requests/s',
  labels: { service: 'cart' },
  points: 240,
  skipped: 0,
  warmingUp: false,
  lastAtMs: NOW - 15_000,
  lastValue: 42.5,
  lastScore: 0.93,
  expected: 20,
  expectedLow: 15,
  expectedHigh: 25,
  firing: 'cart/traffic@1796000000000',
};

describe('recordScores', () => {
  it('records one score sample per scored point, bounded', () => {
    let history = recordScores(new Map(), [LIVE]);
    history = recordScores(history, [LIVE]);
    expect(history.get('traffic')).toEqual([{ t: (NOW - 15_000) / 1000, score: 0.93, low: 15, high: 25 }]);
    history = recordScores(history, [{ ...LIVE, lastAtMs: NOW, lastScore: 0.1 }], 1);
    expect(history.get('traffic')).toEqual([{ t: NOW / 1000, score: 0.1, low: 15, high: 25 }]);
    expect(recordScores(new Map(), [{ ...LIVE, lastAtMs: null }]).size).toBe(0);
  });
});
