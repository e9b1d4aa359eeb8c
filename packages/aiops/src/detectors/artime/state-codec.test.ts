import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError, type Detector, type DetectorSnapshot } from '../detector.js';
import { artimeDetector } from './index.js';
import { TapeReader, TapeWriter } from './tape.js';
import { seededRandom, syntheticSuite } from './testing/synthetic.js';
import { readWeights, writeWeights } from './weights-codec.js';

const MINUTE = 60_000;

function fed(values: readonly number[], known: boolean): Detector {
  const context = known ? { inputMin: Math.min(...values), inputMax: Math.max(...values) } : undefined;
  const detector = artimeDetector.create(context);
  values.forEach((v, i) => detector.update(i * MINUTE, v));
  return detector;
}

function throughJson(snapshot: DetectorSnapshot): DetectorSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as DetectorSnapshot;
}

/** A learned snapshot (categories, live range, open block) to tamper with. */
function learnedSnapshot(): DetectorSnapshot {
  return throughJson(fed(syntheticSuite()[0]!.values.slice(0, 2503), false).snapshot());
}

describe('artime tapes', () => {
  it('give back every value exactly, in order per tape', () => {
    const doubles = [0, -0, 1.5, Number.MIN_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, NaN, 0.1];
    const uints = [0, 1, 127, 128, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const singles = [0, -0, 1, Math.fround(0.1), Infinity, NaN];
    const writer = new TapeWriter();
    doubles.forEach((v, i) => {
      writer.float64(v);
      writer.byte(i);
    });
    uints.forEach((v) => writer.uint(v));
    singles.forEach((v) => writer.float32(v));
    const reader = new TapeReader(writer.finish(), 1 << 16);
    expect(doubles.map(() => reader.float64())).toEqual(doubles);
    expect(uints.map(() => reader.uint())).toEqual(uints);
    expect(doubles.map(() => reader.byte())).toEqual(doubles.map((_, i) => i));
    expect(singles.map(() => reader.float32())).toEqual(singles);
    expect(() => reader.finish()).not.toThrow();
  });

  it('refuse reading past a tape, leftovers, bad base64 and oversized data', () => {
    const writer = new TapeWriter();
    writer.float64(1);
    writer.byte(2);
    const encoded = writer.finish();
    const reader = new TapeReader(encoded, 1 << 16);
    expect(() => reader.finish()).toThrow(/left over/);
    reader.float64();
    expect(() => reader.float64()).toThrow(/ended/);
    expect(() => reader.uint()).toThrow(/ended/);
    expect(() => reader.float32()).toThrow(/ended/);
    reader.byte();
    expect(() => reader.byte()).toThrow(/ended/);
    expect(() => new TapeReader('not base64!', 1 << 16)).toThrow();
    expect(() => new TapeReader(encoded.slice(0, 4), 1 << 16)).toThrow();
    const big = deflateRawSync(Buffer.alloc(100_000)).toString('base64');
    expect(() => new TapeReader(big, 1 << 16)).toThrow();
  });
});

describe('artime category weights', () => {
  const layout = { count: 3, window: 8, levels: 80 };
  const roundTrip = (weights: Float32Array) => {
    const writer = new TapeWriter();
    writeWeights(writer, weights, layout);
    const reader = new TapeReader(writer.finish(), 1 << 16);
    const back = readWeights(reader, layout);
    reader.finish();
    return back;
  };

  it('come back exactly, whatever the floats (levels, predictions and literals)', () => {
    const float = fc.oneof(
      fc.integer({ min: 0, max: 80 }).map((k) => Math.fround(k / 80)),
      fc.integer({ min: 0, max: 80 }).map((k) => Math.fround(1 - k / 80)),
      fc.constantFrom(0, -0, 1, NaN, Infinity),
      fc.float(),
    );
    fc.assert(
      fc.property(fc.array(float, { minLength: 96, maxLength: 96 }), (values) => {
        const weights = Float32Array.from(values);
        // Object.is per value (−0 and 0 differ); a NaN's payload bits are not kept, and no arithmetic sees them.
        expect(Array.from(roundTrip(weights))).toEqual(Array.from(weights));
      }),
      { numRuns: 200 },
    );
  });
});

describe('artime state codec', () => {
  it('restores exactly: a restored detector snapshots the same JSON and continues identically', () => {
    for (const series of syntheticSuite()) {
      for (const known of [true, false]) {
        for (const cut of [0, 5, 200, 1001, 2999]) {
          const original = fed(series.values.slice(0, cut), known);
          const snapshot = throughJson(original.snapshot());
          const restored = artimeDetector.restore(snapshot);
          expect(restored.snapshot()).toEqual(snapshot);
          for (let i = cut; i < cut + 600; i++) {
            expect(restored.update(i * MINUTE, series.values[i]!)).toBe(
              original.update(i * MINUTE, series.values[i]!),
            );
          }
          expect(restored.snapshot()).toEqual(original.snapshot());
        }
      }
    }
  });

  it('keeps huge doubles exact (values around 1e300, live range)', () => {
    const rnd = seededRandom(4);
    const values = Array.from({ length: 3000 }, () => (rnd() - 0.5) * 2e300);
    for (const cut of [100, 900, 2000]) {
      const original = fed(values.slice(0, cut), false);
      const restored = artimeDetector.restore(throughJson(original.snapshot()));
      for (let i = cut; i < values.length; i++) {
        expect(restored.update(i * MINUTE, values[i]!)).toBe(original.update(i * MINUTE, values[i]!));
      }
    }
  });

  it('is compact: a learned realistic series snapshots well under 20 KB', () => {
    for (const series of syntheticSuite()) {
      expect(JSON.stringify(fed(series.values, true).snapshot()).length).toBeLessThan(20_000);
    }
  });

  it('refuses other detectors and other state versions, the old plain layout (1) included', () => {
    const snap = learnedSnapshot();
    const v1 = { detector: 'artime', version: 1, state: { schedule: {}, points: 0, art: { weights: '' } } };
    expect(() => artimeDetector.restore(v1)).toThrow(DetectorSnapshotError);
    expect(() => artimeDetector.restore({ ...snap, version: 1 })).toThrow(DetectorSnapshotError);
    expect(() => artimeDetector.restore({ ...snap, version: 3 })).toThrow(DetectorSnapshotError);
    expect(() => artimeDetector.restore({ ...snap, detector: 'cad-ose' })).toThrow(DetectorSnapshotError);
  });

  it('refuses malformed states with DetectorSnapshotError', () => {
    const snap = learnedSnapshot();
    const state = snap.state as Record<string, unknown>;
    const data = state['data'] as string;
    const malformed: unknown[] = [
      null,
      [],
      'state',
      {},
      { ...state, data: undefined },
      { ...state, data: 42 },
      { ...state, data: '' },
      { ...state, data: data.slice(0, data.length >> 1) },
      { ...state, data: `${data}AAAA` },
      { ...state, data: '%%%%' },
      { ...state, points: -1 },
      { ...state, points: 1.5 },
      { ...state, points: '7' },
      { ...state, steps: (state['steps'] as number) + 1 },
      { ...state, probationRows: 151 },
      { ...state, probationRows: 2 },
      { ...state, knownRange: 'no' },
      { ...state, encoder: null },
      { ...state, classifier: [] },
      { ...state, art: { count: 300, clusters: 1 } },
      { ...state, art: { count: 1, clusters: 1 } },
    ];
    for (const bad of malformed) {
      expect(() => artimeDetector.restore({ ...snap, state: bad })).toThrow(DetectorSnapshotError);
    }
  });

  it('any one corrupted field or data byte gives DetectorSnapshotError or a working detector', () => {
    const snap = learnedSnapshot();
    const state = snap.state as Record<string, unknown>;
    const bytes = Buffer.from(state['data'] as string, 'base64');
    const keys = Object.keys(state);
    const leaf = fc.oneof(fc.integer({ min: -3, max: 5000 }), fc.double(), fc.boolean(), fc.string());
    const mutation = fc.oneof(
      fc.record({ key: fc.constantFrom(...keys), value: leaf }).map(({ key, value }) => ({
        ...state,
        [key]: value,
      })),
      fc
        .record({ at: fc.nat(bytes.length - 1), xor: fc.integer({ min: 1, max: 255 }) })
        .map(({ at, xor }) => {
          const copy = Buffer.from(bytes);
          copy[at]! ^= xor;
          return { ...state, data: copy.toString('base64') };
        }),
    );
    fc.assert(
      fc.property(mutation, (bad) => {
        let restored: Detector;
        try {
          restored = artimeDetector.restore({ ...snap, state: bad });
        } catch (error) {
          expect(error).toBeInstanceOf(DetectorSnapshotError);
          return;
        }
        for (let i = 0; i < 50; i++) {
          const s = restored.update(i * MINUTE, 50 + (i % 7));
          expect(s >= 0 && s <= 1).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
