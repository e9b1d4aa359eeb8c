import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError, type DetectorContext } from '../detector.js';
import { artimeDetector, createArtimeFactory, type ArtimeContext } from './index.js';
import { scheduleFor } from './schedule.js';
import { seededRandom, syntheticSuite } from './testing/synthetic.js';

const MINUTE = 60_000;

function scoreAll(values: readonly number[], context?: DetectorContext): number[] {
  const detector = artimeDetector.create(context);
  return values.map((v, i) => detector.update(i * MINUTE, v));
}

function rangeOf(values: readonly number[]): DetectorContext {
  return { inputMin: Math.min(...values), inputMax: Math.max(...values) };
}

describe('artime on synthetic anomalies', () => {
  for (const series of syntheticSuite()) {
    for (const mode of ['known range', 'live'] as const) {
      it(`${series.name} (${mode}): the anomaly outscores everything after warm-up`, () => {
        const scores = scoreAll(series.values, mode === 'live' ? undefined : rangeOf(series.values));
        const warmUp = 1500;
        const near = scores.slice(series.anomalyAt, series.anomalyAt + series.detectWithin);
        const elsewhere = [...scores.slice(warmUp, series.anomalyAt)];
        const peak = Math.max(...near);
        expect(peak).toBeGreaterThan(0);
        expect(peak).toBeGreaterThan(Math.max(0, ...elsewhere));
      });
    }
  }
});

describe('artime properties', () => {
  const series = fc.array(
    fc.oneof(
      { weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
    ),
    { minLength: 0, maxLength: 1200 },
  );

  it('scores stay in [0,1], are deterministic, and non-finite values are skipped and counted', () => {
    fc.assert(
      fc.property(series, fc.boolean(), (values, known) => {
        const finite = values.filter(Number.isFinite);
        const context = known && finite.length > 0 ? rangeOf(finite) : undefined;
        const a = artimeDetector.create(context);
        const b = artimeDetector.create(context);
        values.forEach((v, i) => {
          const s = a.update(i * MINUTE, v);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
          expect(b.update(i * MINUTE, v)).toBe(s);
          if (!Number.isFinite(v)) expect(s).toBe(0);
        });
        expect(a.stats()).toEqual({ points: finite.length, skipped: values.length - finite.length });
      }),
      { numRuns: 40 },
    );
  });

  it('restoring a JSON round-tripped snapshot continues with identical scores', () => {
    fc.assert(
      fc.property(series, fc.nat(), (values, cutSeed) => {
        const cut = values.length === 0 ? 0 : cutSeed % values.length;
        const original = artimeDetector.create();
        values.slice(0, cut).forEach((v, i) => original.update(i * MINUTE, v));
        const restored = artimeDetector.restore(JSON.parse(JSON.stringify(original.snapshot())));
        values.slice(cut).forEach((v, i) => {
          const t = (cut + i) * MINUTE;
          expect(restored.update(t, v)).toBe(original.update(t, v));
        });
        expect(restored.stats()).toEqual(original.stats());
      }),
      { numRuns: 40 },
    );
  });

  it('restores mid-series on a realistic series with learned categories', () => {
    const { values } = syntheticSuite()[0]!;
    const original = artimeDetector.create(rangeOf(values));
    values.slice(0, 2000).forEach((v, i) => original.update(i * MINUTE, v));
    const restored = artimeDetector.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (let i = 2000; i < values.length; i++) {
      expect(restored.update(i * MINUTE, values[i]!)).toBe(original.update(i * MINUTE, values[i]!));
    }
  });

  it('keeps at most 256 categories and a snapshot under 20 KB however novel the series', () => {
    const rnd = seededRandom(9);
    const detector = artimeDetector.create({ inputMin: 0, inputMax: 1 });
    for (let i = 0; i < 40_000; i++) detector.update(i * MINUTE, rnd());
    const snapshot = detector.snapshot();
    expect((snapshot.state as { art: { count: number } }).art.count).toBeLessThanOrEqual(256);
    expect(JSON.stringify(snapshot).length).toBeLessThan(20_000);
  });

  it('a constant series never alarms', () => {
    const scores = scoreAll(new Array<number>(3000).fill(7));
    expect(Math.max(...scores)).toBe(0);
  });

  it('refuses snapshots of another detector, version or shape', () => {
    const snap = artimeDetector.create().snapshot();
    expect(() => artimeDetector.restore({ ...snap, detector: 'other' })).toThrow(DetectorSnapshotError);
    expect(() => artimeDetector.restore({ ...snap, version: 99 })).toThrow(DetectorSnapshotError);
    expect(() => artimeDetector.restore({ ...snap, state: null })).toThrow(DetectorSnapshotError);
  });

  it('with the series length, the probation follows NAB (15% of a short series)', () => {
    const short = createArtimeFactory({ seriesLength: 1000 }).create({ inputMin: 0, inputMax: 1 });
    const viaContext = artimeDetector.create({ seriesLength: 1000 } as ArtimeContext);
    expect(viaContext.snapshot().state).toMatchObject({ probationRows: 150 });
    expect(short.snapshot().state).toMatchObject({ probationRows: 150 });
    expect(scheduleFor(1000)).toEqual({ probationRows: 150, step: 1, trendWindow: 150 });
    expect(scheduleFor()).toEqual({ probationRows: 750, step: 7, trendWindow: 107 });
  });
});
