// Property tests every detector here must pass (fast-check): scores in [0, 1], determinism, snapshot/restore
// through JSON continuing identically, non-finite values skipped and counted.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DetectorSnapshotError, type DetectorContext, type DetectorFactory } from '../../detector.js';

const value = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 10, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
);

function run(factory: DetectorFactory, values: readonly number[], context?: DetectorContext): number[] {
  const d = factory.create(context);
  return values.map((v, i) => d.update(i * 60_000, v));
}

export function detectorProperties(factory: DetectorFactory, maxLength: number, numRuns: number): void {
  const series = fc.array(value, { minLength: 0, maxLength, size: 'max' });
  const contexts = fc.constantFrom<DetectorContext | undefined>(
    undefined,
    {},
    { inputMin: -1e6, inputMax: 1e6 },
  );

  it('scores every point in [0, 1]', () => {
    fc.assert(
      fc.property(series, contexts, (values, context) => {
        for (const s of run(factory, values, context)) expect(s >= 0 && s <= 1).toBe(true);
      }),
      { numRuns },
    );
  });

  it('is deterministic for the same input', () => {
    fc.assert(
      fc.property(series, contexts, (values, context) => {
        expect(run(factory, values, context)).toEqual(run(factory, values, context));
      }),
      { numRuns },
    );
  });

  it('continues identically after snapshot → JSON → restore', () => {
    fc.assert(
      fc.property(series, fc.double({ min: 0, max: 1, noNaN: true }), contexts, (values, at, context) => {
        const cut = Math.floor(at * values.length);
        const a = factory.create(context);
        values.slice(0, cut).forEach((v, i) => a.update(i * 60_000, v));
        const b = factory.restore(JSON.parse(JSON.stringify(a.snapshot())));
        expect(b.stats()).toEqual(a.stats());
        for (let i = cut; i < values.length; i++) {
          expect(b.update(i * 60_000, values[i]!)).toBe(a.update(i * 60_000, values[i]!));
        }
        expect(b.snapshot()).toEqual(a.snapshot());
      }),
      { numRuns },
    );
  });

  it('skips and counts NaN and ±Infinity without touching the state', () => {
    fc.assert(
      fc.property(series, (values) => {
        const d = factory.create();
        values.forEach((v, i) => d.update(i * 60_000, v));
        const before = JSON.stringify(d.snapshot());
        const stats = d.stats();
        expect([NaN, Infinity, -Infinity].map((v) => d.update(0, v))).toEqual([0, 0, 0]);
        const after = d.snapshot() as { state: { skipped: number } };
        expect(d.stats()).toEqual({ points: stats.points, skipped: stats.skipped + 3 });
        const restored = JSON.parse(before) as { state: { skipped: number } };
        restored.state.skipped += 3;
        expect(JSON.parse(JSON.stringify(after))).toEqual(restored);
        const finite = values.filter((v) => Number.isFinite(v)).length;
        expect(stats).toEqual({ points: finite, skipped: values.length - finite });
      }),
      { numRuns },
    );
  });

  it('refuses snapshots of another detector or version, and malformed state', () => {
    const snap = factory.create().snapshot();
    for (const bad of [
      { ...snap, detector: 'other' },
      { ...snap, version: snap.version + 1 },
      { ...snap, state: null },
      { ...snap, state: { points: -1 } },
    ])
      expect(() => factory.restore(bad)).toThrow(DetectorSnapshotError);
  });
}
