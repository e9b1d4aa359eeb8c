import { describe, expect, it } from 'vitest';
import { NabPointsBuilder, probationaryLength, scaledSigmoid } from './nab-sweep.js';

const STANDARD = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 };

describe('scaledSigmoid', () => {
  it('is 0 at the window end, about 0.9866 at its start, -1 beyond three widths', () => {
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(2 / (1 + Math.exp(-5)) - 1, 15);
    expect(scaledSigmoid(3)).toBeCloseTo(2 / (1 + Math.exp(15)) - 1, 15);
    expect(scaledSigmoid(3.0000001)).toBe(-1);
  });
});

describe('probationaryLength', () => {
  it('is 15 % of the rows, at most 750', () => {
    expect(probationaryLength(10)).toBe(1);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(5000)).toBe(750);
    expect(probationaryLength(22695)).toBe(750);
  });
});

describe('NabPointsBuilder', () => {
  const file = { path: 'c/f.csv', rowCount: 10, windows: [{ left: 4, right: 6 }] };

  it('drops probation rows and weighs rows before, inside and after a window', () => {
    const builder = new NabPointsBuilder();
    builder.addFile(file, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], STANDARD);
    const points = builder.build();
    expect([...points.anomalyScores]).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect([...points.windowIds]).toEqual([-1, -1, -1, 0, 0, 0, -1, -1, -1]);
    const w = [...points.weights];
    const maxTp = scaledSigmoid(-1);
    // Before the first window a false positive costs the full fpWeight.
    expect(w.slice(0, 3)).toEqual([-0.11, -0.11, -0.11]);
    // Earlier in the window is worth more; the first row is worth exactly tpWeight.
    expect(w[3]).toBe(1);
    expect(w[4]).toBeCloseTo(scaledSigmoid(-2 / 3) / maxTp, 15);
    expect(w[5]).toBeCloseTo(scaledSigmoid(-1 / 3) / maxTp, 15);
    expect(w[3]! > w[4]! && w[4]! > w[5]!).toBe(true);
    // After it, the cost grows with the distance from its end in units of (width - 1).
    expect(w.slice(6)).toEqual([0.5, 1, 1.5].map((y) => scaledSigmoid(y) * 0.11));
  });

  it('numbers windows across files and refuses a scores/rows mismatch or NaN', () => {
    const builder = new NabPointsBuilder();
    builder.addFile(file, new Array<number>(10).fill(0), STANDARD);
    builder.addFile({ ...file, path: 'c/g.csv' }, new Array<number>(10).fill(0), STANDARD);
    expect(new Set(builder.build().windowIds)).toEqual(new Set([-1, 0, 1]));
    expect(() => builder.addFile(file, [0, 1], STANDARD)).toThrow(/2 anomaly scores for 10 rows/);
    expect(() => builder.addFile(file, new Array<number>(10).fill(NaN), STANDARD)).toThrow(/NaN/);
  });
});
