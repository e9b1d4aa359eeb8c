import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorSnapshotError, type DetectorSnapshot } from '../detector.js';
import { cadOseDetector } from './index.js';
import { syntheticSeries } from './testing/synthetic-series.js';

interface State {
  points: number;
  skipped: number;
  engine: Record<string, unknown> & { memory: string };
}

/** A detector that has learned a few hundred contexts (live mode: the range moves too). */
function learned(points = 800): { snapshot: DetectorSnapshot; values: number[] } {
  const { values } = syntheticSeries('variance-change', { length: points + 200, anomalyAt: points - 100 });
  const detector = cadOseDetector.create();
  values.slice(0, points).forEach((v, i) => detector.update(i * 60_000, v));
  return { snapshot: JSON.parse(JSON.stringify(detector.snapshot())) as DetectorSnapshot, values };
}

function withEngine(snapshot: DetectorSnapshot, engine: Record<string, unknown>): DetectorSnapshot {
  const state = snapshot.state as State;
  return { ...snapshot, state: { ...state, engine: { ...state.engine, ...engine } } };
}

/** Restores, or fails with a DetectorSnapshotError; a restored detector must keep working. */
function restoreOrRefuse(snapshot: DetectorSnapshot): void {
  let detector;
  try {
    detector = cadOseDetector.restore(snapshot);
  } catch (error) {
    expect(error).toBeInstanceOf(DetectorSnapshotError);
    return;
  }
  for (let i = 0; i < 50; i++) {
    const score = detector.update(i, Math.sin(i));
    expect(score >= 0 && score <= 1).toBe(true);
  }
}

describe('CAD OSE compact snapshot', () => {
  it('round-trips: a restored detector snapshots to the same JSON', () => {
    const { snapshot } = learned();
    const again = cadOseDetector.restore(snapshot).snapshot();
    expect(JSON.stringify(again)).toBe(JSON.stringify(snapshot));
    expect((snapshot.state as State).engine.memory.length).toBeGreaterThan(100);
  });

  it('round-trips an empty detector', () => {
    const snapshot = cadOseDetector.create({ inputMin: 0, inputMax: 1 }).snapshot();
    const restored = cadOseDetector.restore(JSON.parse(JSON.stringify(snapshot)) as DetectorSnapshot);
    expect(restored.snapshot()).toEqual(snapshot);
  });

  it('refuses a version 1 (plain JSON) snapshot', () => {
    const v1 = {
      detector: 'cad-ose',
      version: 1,
      state: { points: 0, skipped: 0, engine: { semis: [[], []], contexts: [] } },
    };
    expect(() => cadOseDetector.restore(v1)).toThrow(DetectorSnapshotError);
  });

  it('refuses malformed scalars', () => {
    const { snapshot } = learned(300);
    const bad: Record<string, unknown>[] = [
      { memory: 42 },
      { memory: 'not base64!' },
      { memory: '' },
      { memory: deflateRawSync(Buffer.from([200, 1, 2, 3])).toString('base64') },
      { encoder: null },
      { encoder: { min: 'a', max: 1, initialised: true } },
      { leftFactsGroup: [] },
      { leftFactsGroup: [3, 5, 4] },
      { leftFactsGroup: [3, 1e9] },
      { leftFactsGroup: [-1] },
      { lastPredicted: 1.5 },
      { lastPredicted: 1 << 20 },
      { nextContextId: 0 },
      { nextIndex: -1 },
    ];
    for (const engine of bad) {
      expect(() => cadOseDetector.restore(withEngine(snapshot, engine)), JSON.stringify(engine)).toThrow(
        DetectorSnapshotError,
      );
    }
    for (const state of [null, 'x', { points: 1.5, skipped: 0, engine: {} }, { points: 0, skipped: 0 }]) {
      expect(() => cadOseDetector.restore({ ...snapshot, state })).toThrow(DetectorSnapshotError);
    }
  });

  it('refuses or survives any corruption of the packed memory, never crashes', () => {
    const { snapshot } = learned(400);
    const raw = Buffer.from((snapshot.state as State).engine.memory, 'base64');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (edits, truncate) => {
          const bytes = Buffer.from(raw);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const memory = (truncate ? bytes.subarray(0, bytes.length >> 1) : bytes).toString('base64');
          restoreOrRefuse(withEngine(snapshot, { memory }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses or survives any inflated varint stream, never crashes', () => {
    const { snapshot } = learned(200);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const memory = deflateRawSync(Buffer.from(bytes)).toString('base64');
        restoreOrRefuse(withEngine(snapshot, { memory }));
      }),
      { numRuns: 300 },
    );
  });
});
