/**
 * A reusable property suite for any DetectorFactory (fast-check): scores in [0, 1], determinism,
 * snapshot/restore through JSON continuing with identical scores, non-finite values skipped and counted
 * without touching the state. Call it inside a test file: `detectorPropertySuite(myFactory)`.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DetectorSnapshotError, type DetectorFactory } from '../detector.js';

export interface DetectorPropertyOptions {
  /** Longest generated series (default 400: long enough to pass most warm-ups). */
  readonly maxLength?: number;
  /** fast-check runs per property (default 25). */
  readonly numRuns?: number;
  /** Largest |value| generated (default 1e9). */
  readonly maxMagnitude?: number;
}

interface Point {
  readonly t: number;
  readonly v: number;
}

function seriesArbitrary(options: DetectorPropertyOptions): fc.Arbitrary<Point[]> {
  const max = options.maxMagnitude ?? 1e9;
  const value = fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -max, max, noNaN: true }) },
    { weight: 8, arbitrary: fc.integer({ min: -5, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
  );
  // Irregular steps including repeats (0) and gaps (up to a day).
  const step = fc.oneof(fc.constant(300_000), fc.integer({ min: 0, max: 86_400_000 }));
  return fc
    .array(fc.tuple(step, value), { minLength: 1, maxLength: options.maxLength ?? 400 })
    .map((pairs) => {
      let t = Date.UTC(2024, 0, 1);
      return pairs.map(([dt, v]) => {
        t += dt;
        return { t, v };
      });
    });
}

function run(factory: DetectorFactory, points: readonly Point[]): number[] {
  const detector = factory.create();
  return points.map((p) => detector.update(p.t, p.v));
}

export function detectorPropertySuite(factory: DetectorFactory, options: DetectorPropertyOptions = {}): void {
  const numRuns = options.numRuns ?? 25;
  const series = seriesArbitrary(options);

  it(`${factory.name}: scores are always in [0, 1]`, () => {
    fc.assert(
      fc.property(series, (points) => {
        for (const s of run(factory, points)) expect(s >= 0 && s <= 1).toBe(true);
      }),
      { numRuns },
    );
  });

  it(`${factory.name}: the same input gives the same scores`, () => {
    fc.assert(
      fc.property(series, (points) => {
        expect(run(factory, points)).toEqual(run(factory, points));
      }),
      { numRuns },
    );
  });

  it(`${factory.name}: restore(JSON(snapshot)) continues with identical scores`, () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 1, noNaN: true }), (points, cut) => {
        const split = Math.floor(cut * points.length);
        const original = factory.create();
        for (const p of points.slice(0, split)) original.update(p.t, p.v);
        const snapshot: unknown = JSON.parse(JSON.stringify(original.snapshot()));
        const restored = factory.restore(snapshot as ReturnType<typeof original.snapshot>);
        expect(restored.stats()).toEqual(original.stats());
        const rest = points.slice(split);
        expect(rest.map((p) => restored.update(p.t, p.v))).toEqual(
          rest.map((p) => original.update(p.t, p.v)),
        );
      }),
      { numRuns },
    );
  });

  it(`${factory.name}: non-finite values score 0, are counted, and leave the state untouched`, () => {
    fc.assert(
      fc.property(series, (points) => {
        const detector = factory.create();
        const clean = factory.create();
        let skipped = 0;
        for (const p of points) {
          const score = detector.update(p.t, p.v);
          if (!Number.isFinite(p.v)) {
            skipped += 1;
            expect(score).toBe(0);
          } else {
            expect(score).toBe(clean.update(p.t, p.v));
          }
        }
        expect(detector.stats()).toEqual({ points: points.length - skipped, skipped });
      }),
      { numRuns },
    );
  });

  it(`${factory.name}: refuses snapshots of other detectors, versions or shapes`, () => {
    const snapshot = factory.create().snapshot();
    expect(() => factory.restore({ ...snapshot, detector: `not-${factory.name}` })).toThrow(
      DetectorSnapshotError,
    );
    expect(() => factory.restore({ ...snapshot, version: snapshot.version + 1 })).toThrow(
      DetectorSnapshotError,
    );
    expect(() => factory.restore({ ...snapshot, state: null })).toThrow(DetectorSnapshotError);
    expect(() => factory.restore({ ...snapshot, state: { garbage: true } })).toThrow(DetectorSnapshotError);
    // A well-formed envelope around a malformed model must fail too (each key of the state blanked).
    const state = snapshot.state as Record<string, unknown>;
    for (const key of Object.keys(state)) {
      expect(() => factory.restore({ ...snapshot, state: { ...state, [key]: 'x' } })).toThrow(
        DetectorSnapshotError,
      );
    }
  });
}
