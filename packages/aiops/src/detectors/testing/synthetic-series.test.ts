import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS, anomalyMargin, syntheticSeries } from './synthetic-series.js';

describe('syntheticSeries', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = syntheticSeries({ kind: 'spike', seed: 7 });
    expect(syntheticSeries({ kind: 'spike', seed: 7 })).toEqual(a);
    expect(syntheticSeries({ kind: 'spike', seed: 8 }).values).not.toEqual(a.values);
  });

  it.each(ANOMALY_KINDS)('%s changes the series from the anomaly index on, and only there', (kind) => {
    const options = { seed: 3, length: 600, anomalyIndex: 400, seasonalAmplitude: 5, period: 100 };
    const anomalous = syntheticSeries({ kind, ...options });
    // A zero-magnitude spike is the same series without its anomaly (same noise draws).
    const normal = syntheticSeries({ kind: 'spike', ...options, magnitude: 0 });
    expect(anomalous.anomalyIndex).toBe(400);
    expect(anomalous.values.slice(0, 400)).toEqual(normal.values.slice(0, 400));
    expect(anomalous.values[400]).not.toBe(normal.values[400]);
  });

  it('spaces timestamps so that one period is one day by default', () => {
    const s = syntheticSeries({ kind: 'level-shift', length: 300 });
    expect(s.timestamps[288]! - s.timestamps[0]!).toBe(86_400_000);
  });

  it('rejects an anomaly outside the series', () => {
    expect(() => syntheticSeries({ kind: 'spike', length: 10, anomalyIndex: 10 })).toThrow(RangeError);
  });
});

describe('anomalyMargin', () => {
  it('splits scores into the anomaly window and the rest after warm-up', () => {
    const scores = [0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.4];
    expect(anomalyMargin(scores, 3, { warmUp: 1, window: 2 })).toEqual({ inside: 0.8, outside: 0.4 });
  });
});
