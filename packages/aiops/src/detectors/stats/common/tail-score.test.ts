import { describe, expect, it } from 'vitest';
import { logErfc } from '../../math/erfc.js';
import { tailScore } from './tail-score.js';

describe('tail score', () => {
  it('computes ln erfc accurately, also deep in the tail', () => {
    expect(Math.exp(logErfc(1))).toBeCloseTo(0.157299207, 6);
    expect(Math.exp(logErfc(3))).toBeCloseTo(2.2090497e-5, 9);
    // erfc(30) ≈ 2.56e-393 underflows a double; its logarithm must not.
    expect(logErfc(30)).toBeCloseTo(Math.log(2.5646562e-3) - 390 * Math.LN10, 3);
  });

  it('is 0 at no deviation, symmetric, increasing, and 1 from about 9.3 σ', () => {
    expect(tailScore(0)).toBe(0);
    expect(tailScore(-4)).toBe(tailScore(4));
    const zs = [0.5, 1, 2, 3, 5, 7, 9];
    const scores = zs.map(tailScore);
    for (let i = 1; i < scores.length; i += 1) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
    expect(tailScore(9.5)).toBe(1);
    expect(tailScore(NaN)).toBe(0);
  });
});
