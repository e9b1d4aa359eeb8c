import { describe, expect, it } from 'vitest';
import { detectorPropertySuite } from '../../testing/detector-properties.js';
import { anomalyMargin, scoreSeries, syntheticSeries } from '../../testing/index.js';
import { spectralResidualDetector } from './index.js';

describe('spectral residual detector', () => {
  // Spectral residual reacts to local shape: spikes reliably; level and variance changes on most seeds
  // only (so not asserted); slow trends, seasonal breaks and flat lines are left to other members.
  it.each([1, 2, 3, 4, 5])('scores a spike above everything else after warm-up (seed %i)', (seed) => {
    const series = syntheticSeries({ kind: 'spike', seed });
    const detector = spectralResidualDetector.create();
    const scores = scoreSeries(series, detector.update.bind(detector));
    const margin = anomalyMargin(scores, series.anomalyIndex, { warmUp: 300, window: 5 });
    expect(margin.inside).toBeGreaterThan(margin.outside);
  });

  it('scores nothing until its window is full, and nothing on a constant series', () => {
    const detector = spectralResidualDetector.create();
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 400; i += 1) expect(detector.update(t0 + i * 60_000, 4)).toBe(0);
    // Values whose FFT is not exact (rounding noise outside DC) must not invent saliency either.
    const other = spectralResidualDetector.create();
    for (let i = 0; i < 400; i += 1) expect(other.update(t0 + i * 60_000, 1e6 + 0.1)).toBe(0);
  });

  detectorPropertySuite(spectralResidualDetector, { numRuns: 15 });
});
