import { describe, expect, it } from 'vitest';
import { anomalyKinds, syntheticSeries } from '../iforest/testing/synthetic.js';
import { detectorProperties } from '../iforest/testing/properties.js';
import { chiSquareInverseSurvivalEvenDf, chiSquareSurvivalEvenDf } from './chi-square.js';
import { binOf, frequencies, relativeEntropy } from './histogram.js';
import { relativeEntropyDetector } from './index.js';

describe('chi-square threshold', () => {
  it('matches the tabulated 99th percentile for 4 degrees of freedom (scipy chi2.isf(0.01, 4))', () => {
    expect(chiSquareInverseSurvivalEvenDf(0.01, 4)).toBeCloseTo(13.276704135987622, 9);
    expect(chiSquareSurvivalEvenDf(13.276704135987622, 4)).toBeCloseTo(0.01, 12);
  });
  it('refuses odd degrees of freedom and impossible tails', () => {
    expect(() => chiSquareSurvivalEvenDf(1, 3)).toThrow(RangeError);
    expect(() => chiSquareInverseSurvivalEvenDf(0, 4)).toThrow(RangeError);
  });
});

describe('quantisation and relative entropy', () => {
  it('bins like the reference: the exact minimum alone in the first level, the top two levels shared', () => {
    expect([0, 0.5, 1, 1.5, 3.5, 4.5, 5, 7, -2].map((v) => binOf(v, 0, 1, 5))).toEqual([
      0, 1, 1, 2, 4, 4, 4, 4, 0,
    ]);
    expect(frequencies([0, 0.5, 1, 4.9], 0, 1, 5)).toEqual([0.25, 0.5, 0, 0, 0.25]);
  });
  it('is zero for equal histograms and infinite where the hypothesis has no mass', () => {
    expect(relativeEntropy([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(relativeEntropy([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(relativeEntropy([1, 0], [0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
  });
});

describe('relative entropy detector', () => {
  const series = (parts: [number, number][]): number[] =>
    parts.flatMap(([v, n]) => new Array<number>(n).fill(v));

  it('accepts a repeating window, alarms on an unseen one, and accepts the old one again', () => {
    const pattern = (n: number): number[] => Array.from({ length: n }, (_, i) => [1, 2, 3, 4][i % 4]!);
    const values = [...pattern(200), ...series([[9, 60]]), ...pattern(200)];
    const d = relativeEntropyDetector.create({ inputMin: 0, inputMax: 10 });
    const scores = values.map((v, i) => d.update(i, v));
    expect(scores.slice(0, 200).every((s) => s === 0)).toBe(true);
    expect(scores.slice(200, 260)).toContain(1);
    expect(scores.slice(260 + 52).every((s) => s === 0)).toBe(true);
  });

  it('scores a constant series 0 throughout, with or without its range', () => {
    for (const context of [{ inputMin: 5, inputMax: 5 }, {}]) {
      const d = relativeEntropyDetector.create(context);
      expect(Array.from({ length: 300 }, (_, i) => d.update(i, 5)).every((s) => s === 0)).toBe(true);
    }
  });

  it('keeps at most 100 hypotheses', () => {
    const d = relativeEntropyDetector.create({ inputMin: 0, inputMax: 1 });
    let x = 1;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      // Windows of ever-changing mixtures: many distinct histograms.
      d.update(i, Math.floor(i / 52) % 2 === 0 ? x / 2147483647 : (x / 2147483647) ** (1 + (i % 7)));
    }
    expect((d.snapshot().state as { hypotheses: unknown[] }).hypotheses.length).toBeLessThanOrEqual(100);
  });

  // Live mode learns its range; a 26-point season repeats exactly in the 52-point window, so normal windows
  // agree with the hypotheses and only the anomaly makes a new one.
  for (const kind of anomalyKinds) {
    it(`live: alarms on a ${kind} within one window and never in the normal stretch before it`, () => {
      const s = syntheticSeries(kind, { period: 26 });
      const d = relativeEntropyDetector.create();
      const scores = s.values.map((v, i) => d.update(s.timestamps[i]!, v));
      expect(Math.max(...scores.slice(600, s.anomalyStart))).toBe(0);
      expect(Math.max(...scores.slice(s.anomalyStart, s.anomalyStart + 52))).toBe(1);
    });
  }

  detectorProperties(relativeEntropyDetector, 300, 60);
});
