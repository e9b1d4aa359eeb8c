import { describe, expect, it } from 'vitest';
import { liveCartTraffic } from '../../testing/fixtures.js';
import { recordScores } from './service-anomalies.js';

const NOW = Date.parse('2026-12-07T06:00:00.000Z');

const LIVE = liveCartTraffic(NOW);

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
