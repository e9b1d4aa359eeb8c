import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError, type Detector } from '../detector.js';
import { ANOMALY_KINDS, anomalyMargin, scoreSeries, syntheticSeries } from '../testing/index.js';
import { windowedGaussianDetector } from './windowed-gaussian.js';
import { erfc } from '../math/erfc.js';

const WARM_UP = 30;

function scoreAll(detector: Detector, t: readonly number[], v: readonly number[]): number[] {
  return v.map((x, i) => detector.update(t[i]!, x));
}

describe('erfc', () => {
  it('matches known values to 1.2e-7', () => {
    for (const [x, want] of [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [-1, 1.8427007929497148],
    ] as const) {
      expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1.2e-7);
    }
  });
});

describe('windowed-gaussian detector', () => {
  // A Gaussian window fit cannot see a flat-line (no deviation) nor reliably a seasonal break.
  const FOUND = ANOMALY_KINDS.filter((k) => k !== 'flat-line' && k !== 'seasonal-break');
  for (const kind of FOUND) {
    it(`scores a ${kind} above everything else after warm-up`, () => {
      for (const seed of [1, 2, 3]) {
        const series = syntheticSeries({ kind, seed });
        const detector = windowedGaussianDetector.create();
        const scores = scoreSeries(series, detector.update.bind(detector));
        const margin = anomalyMargin(scores, series.anomalyIndex, { warmUp: WARM_UP, window: 50 });
        expect(margin.inside, `${kind} seed ${seed}`).toBeGreaterThan(margin.outside);
      }
    });
  }

  it('scores a departure from a constant series 1 and the constant 0', () => {
    const detector = windowedGaussianDetector.create();
    const scores = Array.from({ length: 100 }, (_, i) => detector.update(i * 1000, 5));
    expect(scores.every((s) => s === 0)).toBe(true);
    expect(detector.update(100_000, 5.5)).toBe(1);
  });

  const values = fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e300, -1e300) },
    ),
    // Long enough to pass the warm-up and wrap the 1000-point window.
    { maxLength: 2500, size: 'max' },
  );

  it('always scores in [0, 1], deterministically, skipping and counting non-finite values', () => {
    fc.assert(
      fc.property(values, (xs) => {
        const t = xs.map((_, i) => i * 60_000);
        const a = scoreAll(windowedGaussianDetector.create(), t, xs);
        const detector = windowedGaussianDetector.create({ inputMin: 0, inputMax: 1 });
        const b = scoreAll(detector, t, xs);
        expect(a.every((s) => s >= 0 && s <= 1)).toBe(true);
        expect(b).toEqual(a);
        const bad = xs.filter((x) => !Number.isFinite(x)).length;
        expect(detector.stats()).toEqual({ points: xs.length - bad, skipped: bad });
        xs.forEach((x, i) => {
          if (!Number.isFinite(x)) expect(a[i]).toBe(0);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('continues identically after snapshot → JSON → restore', () => {
    fc.assert(
      fc.property(values, fc.nat(), (xs, cutSeed) => {
        const cut = xs.length === 0 ? 0 : cutSeed % xs.length;
        const t = xs.map((_, i) => i * 60_000);
        const whole = scoreAll(windowedGaussianDetector.create(), t, xs);
        const first = windowedGaussianDetector.create();
        scoreAll(first, t.slice(0, cut), xs.slice(0, cut));
        const restored = windowedGaussianDetector.restore(JSON.parse(JSON.stringify(first.snapshot())));
        expect(restored.stats()).toEqual(first.stats());
        expect(scoreAll(restored, t.slice(cut), xs.slice(cut))).toEqual(whole.slice(cut));
        expect(first.stats().points + first.stats().skipped).toBe(cut);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses snapshots of another detector, version or shape', () => {
    const snapshot = windowedGaussianDetector.create().snapshot();
    expect(() => windowedGaussianDetector.restore({ ...snapshot, detector: 'other' })).toThrow(
      DetectorSnapshotError,
    );
    expect(() => windowedGaussianDetector.restore({ ...snapshot, version: 2 })).toThrow(
      DetectorSnapshotError,
    );
    expect(() => windowedGaussianDetector.restore({ ...snapshot, state: { values: 'x' } })).toThrow(
      DetectorSnapshotError,
    );
  });

  it('keeps its snapshot small (window of 1000 values)', () => {
    const series = syntheticSeries({ kind: 'spike', length: 5000 });
    const detector = windowedGaussianDetector.create();
    scoreAll(detector, series.timestamps, series.values);
    expect(JSON.stringify(detector.snapshot()).length).toBeLessThan(50_000);
  });
});
