import { describe, expect, it } from 'vitest';
import { detectorPropertySuite } from '../../testing/detector-properties.js';
import { anomalyMargin, scoreSeries, syntheticSeries, type AnomalyKind } from '../../testing/index.js';
import { changePointDetector } from './index.js';

describe('CUSUM change-point detector', () => {
  // A change detector: one-point spikes (below the alarm level), seasonal breaks and flat lines are left
  // to other ensemble members.
  const found: AnomalyKind[] = ['level-shift', 'trend-change'];
  for (const kind of found) {
    it.each([1, 2, 3, 4, 5])(`scores a ${kind} above everything else after warm-up (seed %i)`, (seed) => {
      const series = syntheticSeries({ kind, seed });
      const detector = changePointDetector.create();
      const scores = scoreSeries(series, detector.update.bind(detector));
      const margin = anomalyMargin(scores, series.anomalyIndex, { warmUp: 100, window: 30 });
      expect(margin.inside).toBeGreaterThan(margin.outside);
    });
  }

  it('fires once at the start of a level shift, then accepts the new level', () => {
    const series = syntheticSeries({ kind: 'level-shift', seed: 9, magnitude: 8 });
    const detector = changePointDetector.create();
    const scores = scoreSeries(series, detector.update.bind(detector));
    const a = series.anomalyIndex;
    const alarms = scores.map((s, i) => (s >= 0.5 ? i : -1)).filter((i) => i >= 0);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toBeGreaterThanOrEqual(a);
    expect(alarms[0]).toBeLessThan(a + 5);
    expect(Math.max(...scores.slice(a + 5))).toBe(0);
  });

  it('fires on a small shift only after it has accumulated', () => {
    const series = syntheticSeries({ kind: 'level-shift', seed: 4, magnitude: 3 });
    const detector = changePointDetector.create();
    const scores = scoreSeries(series, detector.update.bind(detector));
    const first = scores.findIndex((s, i) => i >= 100 && s >= 0.5);
    expect(first).toBeGreaterThan(series.anomalyIndex);
    expect(first).toBeLessThan(series.anomalyIndex + 30);
  });

  detectorPropertySuite(changePointDetector);
});
