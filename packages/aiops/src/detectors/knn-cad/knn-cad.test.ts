import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError, type Detector } from '../detector.js';
import { ANOMALY_KINDS, syntheticSeries } from '../cad-ose/testing/synthetic-series.js';
import { KNN_CAD_PARAMS, knnCadDetector, makeKnnCadFactory } from './index.js';

function run(detector: Detector, values: readonly number[]): number[] {
  return values.map((v, i) => detector.update(i * 60_000, v));
}

describe('KNN-CAD on synthetic anomalies', { timeout: 30_000 }, () => {
  // Training then calibration: nothing is scored against a full calibration set before 2 periods.
  const warmUp = 2 * KNN_CAD_PARAMS.period;
  for (const kind of ANOMALY_KINDS) {
    it(`scores a ${kind} above the normal part of its series`, () => {
      const { values, anomalyAt } = syntheticSeries(kind, { length: 2100, anomalyAt: 2000 });
      const scores = run(knnCadDetector.create(), values);
      const anomaly = Math.max(...scores.slice(anomalyAt, anomalyAt + 100));
      const normal = Math.max(...scores.slice(warmUp, anomalyAt));
      expect(anomaly).toBeGreaterThan(normal);
    });
  }

  it('ignores the value range it is given', () => {
    const { values } = syntheticSeries('spike', { length: 1500, anomalyAt: 1300 });
    expect(run(knnCadDetector.create({ inputMin: -1, inputMax: 1 }), values)).toEqual(
      run(knnCadDetector.create(), values),
    );
  });

  it('stays quiet (0.5) for period/5 points after an alarm', () => {
    const { values, anomalyAt } = syntheticSeries('spike', { length: 2100, anomalyAt: 2000 });
    const scores = run(knnCadDetector.create(), values);
    const alarm = scores.findIndex((s, i) => i >= anomalyAt && s >= KNN_CAD_PARAMS.alarmLevel);
    expect(alarm).toBeGreaterThanOrEqual(anomalyAt);
    expect(scores.slice(alarm + 1, alarm + 1 + KNN_CAD_PARAMS.period / 5).every((s) => s === 0.5)).toBe(true);
  });

  it('keeps a bounded state on long series, constant ones included', () => {
    const detector = knnCadDetector.create();
    run(
      detector,
      Array.from({ length: 3000 }, (_, i) => (i < 1500 ? 7 : Math.sin(i / 5))),
    );
    const state = detector.snapshot().state as { engine: { values: unknown[]; scores: unknown[] } };
    expect(state.engine.values.length).toBeLessThan(3 * KNN_CAD_PARAMS.period + KNN_CAD_PARAMS.dim);
    expect(state.engine.scores.length).toBeLessThanOrEqual(KNN_CAD_PARAMS.period);
  });
});

// A small period keeps the property runs fast while crossing every phase (training, calibration, sliding).
const small = makeKnnCadFactory('knn-cad-small', { period: 40, k: 5, dim: 6, alarmLevel: 0.9965 });
const values = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
  ),
  { maxLength: 200 },
);

describe('KNN-CAD properties', { timeout: 30_000 }, () => {
  it('scores in [0, 1], counts skipped non-finite values, is deterministic', () => {
    fc.assert(
      fc.property(values, (series) => {
        const a = small.create();
        const scores = run(a, series);
        expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
        expect(run(small.create(), series)).toEqual(scores);
        const skipped = series.filter((v) => !Number.isFinite(v)).length;
        expect(a.stats()).toEqual({ points: series.length - skipped, skipped });
        series.forEach((v, i) => {
          if (!Number.isFinite(v)) expect(scores[i]).toBe(0);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('continues identically after a JSON snapshot/restore', () => {
    fc.assert(
      fc.property(values, values, (head, tail) => {
        const original = small.create();
        run(original, head);
        const restored = small.restore(JSON.parse(JSON.stringify(original.snapshot())));
        expect(run(restored, tail)).toEqual(run(original, tail));
        expect(restored.stats()).toEqual(original.stats());
      }),
      { numRuns: 100 },
    );
  });

  it('refuses snapshots of another detector, version or shape', () => {
    const snapshot = knnCadDetector.create().snapshot();
    expect(() => knnCadDetector.restore({ ...snapshot, detector: 'other' })).toThrow(DetectorSnapshotError);
    expect(() => knnCadDetector.restore({ ...snapshot, version: 99 })).toThrow(DetectorSnapshotError);
    expect(() => knnCadDetector.restore({ ...snapshot, state: { engine: {} } })).toThrow(
      DetectorSnapshotError,
    );
  });
});
