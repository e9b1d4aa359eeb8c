import { describe, expect, it } from 'vitest';
import { detectorPropertySuite } from '../../testing/detector-properties.js';
import { anomalyMargin, scoreSeries, syntheticSeries, type AnomalyKind } from '../../testing/index.js';
import { seasonalZDetector } from './index.js';

function activeHypothesis(detector: ReturnType<typeof seasonalZDetector.create>): number {
  const state = detector.snapshot().state as {
    model: { active: number; hypotheses: { periodMs: number }[] };
  };
  return state.model.active === 0 ? 0 : state.model.hypotheses[state.model.active]!.periodMs;
}

describe('seasonal robust z-score detector', () => {
  // Trend changes and flat lines are left to other ensemble members (see the holt-winters test).
  const found: AnomalyKind[] = ['spike', 'level-shift', 'variance-change', 'seasonal-break'];
  for (const kind of found) {
    it.each([1, 2, 3])(`scores a ${kind} above everything else after warm-up (seed %i)`, (seed) => {
      const series = syntheticSeries({ kind, seed });
      const detector = seasonalZDetector.create();
      const scores = scoreSeries(series, detector.update.bind(detector));
      const margin = anomalyMargin(scores, series.anomalyIndex, { warmUp: 300, window: 30 });
      expect(margin.inside).toBeGreaterThan(margin.outside);
    });
  }

  it('detects a daily season online, and no season in plain noise', () => {
    // Half-hourly samples: the daily swing is too fast for the level alone to follow it.
    const seasonal = syntheticSeries({
      kind: 'spike',
      magnitude: 0,
      seasonalAmplitude: 5,
      period: 48,
      length: 600,
    });
    const withSeason = seasonalZDetector.create();
    scoreSeries(seasonal, withSeason.update.bind(withSeason));
    expect(activeHypothesis(withSeason)).toBe(86_400_000);

    const noise = syntheticSeries({ kind: 'spike', magnitude: 0, length: 1500 });
    const withoutSeason = seasonalZDetector.create();
    scoreSeries(noise, withoutSeason.update.bind(withoutSeason));
    expect(activeHypothesis(withoutSeason)).toBe(0);
  });

  detectorPropertySuite(seasonalZDetector);
});
