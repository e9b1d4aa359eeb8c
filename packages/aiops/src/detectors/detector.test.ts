import { describe, expect, it } from 'vitest';
import { clampScore, isScorable } from './detector.js';

describe('detector port helpers', () => {
  it('clamps scores into [0, 1], NaN to 0', () => {
    expect([-1, 0, 0.25, 1, 2, NaN, Infinity, -Infinity].map(clampScore)).toEqual([
      0, 0, 0.25, 1, 1, 0, 1, 0,
    ]);
  });
  it('scores only finite values', () => {
    expect([0, -3.5, 1e308, NaN, Infinity, -Infinity].map(isScorable)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
