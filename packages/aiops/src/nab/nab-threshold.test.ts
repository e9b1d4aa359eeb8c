import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NabPointsBuilder } from './nab-sweep.js';
import { optimiseThreshold, scoreAtThreshold } from './nab-threshold.js';

const STANDARD = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 };
// 20 rows: probation is rows 0-2, one window at rows 10-13.
const FILE = { path: 'c/f.csv', rowCount: 20, windows: [{ left: 10, right: 13 }] };

function points(scores: number[], file = FILE) {
  const builder = new NabPointsBuilder();
  builder.addFile(file, scores, STANDARD);
  return builder.build();
}

describe('scoreAtThreshold', () => {
  it('counts only the earliest detection of a window and charges false positives', () => {
    const scores = new Array<number>(20).fill(0);
    scores[11] = 0.9; // second row of the window
    scores[12] = 0.95; // later: detected too, but worth less
    scores[5] = 0.9; // a false positive before the window: full fpWeight
    const p = points(scores);
    const at = scoreAtThreshold(p, STANDARD, 0.9);
    const second = p.weights[11 - 3]!;
    expect(at.raw).toBeCloseTo(second - 0.11, 15);
    expect(at).toMatchObject({ tpPoints: 2, fpPoints: 1, fnPoints: 2, windowsDetected: 1, windowsScored: 1 });
    expect(scoreAtThreshold(p, STANDARD, Infinity).raw).toBe(-1);
  });

  it('ignores detections in the probation period', () => {
    const scores = new Array<number>(20).fill(0);
    scores[0] = 1;
    expect(scoreAtThreshold(points(scores), STANDARD, 1)).toMatchObject({ raw: -1, fpPoints: 0 });
  });
});

describe('optimiseThreshold', () => {
  it('picks the threshold that detects the window without the false positives', () => {
    const scores = new Array<number>(20).fill(0.1);
    scores[10] = 0.8;
    scores[4] = 0.5;
    expect(optimiseThreshold(points(scores), STANDARD)).toBe(0.8);
  });

  it('keeps 1.1 (no detection) when every detection costs more than it earns', () => {
    const scores = new Array<number>(20).fill(0);
    scores[4] = 1;
    expect(optimiseThreshold(points(scores, { ...FILE, windows: [] }), STANDARD)).toBe(1.1);
  });

  it('prefers the highest of equally good thresholds', () => {
    const scores = new Array<number>(20).fill(0);
    scores[10] = 0.9;
    scores[12] = 0.7; // lowering the threshold to 0.7 adds a later detection: same score
    expect(optimiseThreshold(points(scores), STANDARD)).toBe(0.9);
  });

  it('finds a best score over all candidate thresholds (brute force)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 20, maxLength: 20 }), (ints) => {
        const p = points(ints.map((i) => i / 10));
        const chosen = scoreAtThreshold(p, STANDARD, optimiseThreshold(p, STANDARD)).raw;
        for (const t of [1.1, ...p.anomalyScores]) {
          expect(scoreAtThreshold(p, STANDARD, t).raw).toBeLessThanOrEqual(chosen);
        }
      }),
      { numRuns: 200 },
    );
  });
});
