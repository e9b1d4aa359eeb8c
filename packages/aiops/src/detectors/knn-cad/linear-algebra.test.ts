import { describe, expect, it } from 'vitest';
import { choleskyLower, forwardSolve, gram } from './cholesky.js';
import { sumOfSmallest } from './smallest-sum.js';

describe('KNN-CAD linear algebra', () => {
  it('maps vectors so that squared distance equals dᵀ(XᵀX)⁻¹d', () => {
    const rows = [
      [2, 1],
      [1, 3],
      [0, 1],
    ].map((r) => Float64Array.from(r));
    const g = gram(rows, 2); // [[5, 5], [5, 11]], inverse = [[11, -5], [-5, 5]] / 30
    expect(Array.from(g)).toEqual([5, 5, 5, 11]);
    const l = choleskyLower(g, 2);
    const y = new Float64Array(2);
    forwardSolve(l, [1, 2], 2, y);
    expect(y[0]! ** 2 + y[1]! ** 2).toBeCloseTo((11 * 1 - 5 * 2 - 5 * 2 + 5 * 4) / 30, 12);
  });

  it('reports a singular matrix instead of factoring it', () => {
    const rows = [Float64Array.from([1, 1]), Float64Array.from([2, 2])];
    expect(choleskyLower(gram(rows, 2), 2)).toBeNull();
  });

  it('sums the k smallest values', () => {
    const values = Float64Array.from([5, 1, 4, 1, 9, 2, 6]);
    expect(sumOfSmallest(values, values.length, 3, new Float64Array(3))).toBe(4);
    expect(sumOfSmallest(values, 2, 3, new Float64Array(3))).toBe(6);
  });
});
