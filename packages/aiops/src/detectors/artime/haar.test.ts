import { describe, expect, it } from 'vitest';
import { haarTransform } from './haar.js';

describe('haarTransform', () => {
  it('matches Wavelets.jl dwt(x, wavelet(WT.haar)) layout and signs', () => {
    const r = Math.SQRT1_2;
    const out = haarTransform([1, 3, 2, 6]);
    // scaling, coarse detail, fine details (x2 − x1)/√2
    expect(out[0]).toBeCloseTo(6, 12);
    expect(out[1]).toBeCloseTo((8 * r - 4 * r) * r, 12);
    expect(out[2]).toBeCloseTo(2 * r, 12);
    expect(out[3]).toBeCloseTo(4 * r, 12);
  });
  it('preserves energy (orthonormal)', () => {
    const x = [0.1, 0.9, 0.3, 0.3, 0.7, 0.2, 0.5, 1];
    const e = (v: number[]) => v.reduce((s, a) => s + a * a, 0);
    expect(e(haarTransform(x))).toBeCloseTo(e(x), 12);
  });
});
