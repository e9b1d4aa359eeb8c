import { describe, expect, it } from 'vitest';
import { detectorPropertySuite } from '../../testing/detector-properties.js';
import { anomalyMargin, scoreSeries, syntheticSeries, type AnomalyKind } from '../../testing/index.js';
import { holtWintersDetector } from './index.js';

describe('holt-winters residual detector', () => {
  // Trend changes are absorbed gradually (the re-alert gate hides a slow ramp) and a flat line is *less*
  // surprising than noise to a residual detector: those two kinds are left to other ensemble members.
  const found: AnomalyKind[] = ['spike', 'level-shift', 'variance-change', 'seasonal-break'];
  for (const kind of found) {
    it.each([1, 2, 3])(`scores a ${kind} above everything else after warm-up (seed %i)`, (seed) => {
      const series = syntheticSeries({ kind, seed });
      const detector = holtWintersDetector.create();
      const scores = scoreSeries(series, detector.update.bind(detector));
      const margin = anomalyMargin(scores, series.anomalyIndex, { warmUp: 300, window: 30 });
      expect(margin.inside).toBeGreaterThan(margin.outside);
    });
  }

  it('stays at 0 on a constant series and fires on the first step away from it', () => {
    const detector = holtWintersDetector.create();
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 500; i += 1) expect(detector.update(t0 + i * 60_000, 7)).toBe(0);
    expect(detector.update(t0 + 500 * 60_000, 9)).toBe(1);
  });

  detectorPropertySuite(holtWintersDetector);
});
