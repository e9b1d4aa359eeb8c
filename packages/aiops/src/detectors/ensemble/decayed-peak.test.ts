import { describe, expect, it } from 'vitest';
import { decayFactor, nextPeak } from './decayed-peak.js';

describe('decayed peak', () => {
  it('halves every half-life and jumps to a larger value', () => {
    const f = decayFactor(10);
    let peak = nextPeak(0, 0.8, f);
    expect(peak).toBe(0.8);
    for (let i = 0; i < 10; i += 1) peak = nextPeak(peak, 0, f);
    expect(peak).toBeCloseTo(0.4, 12);
    expect(nextPeak(peak, 0.9, f)).toBe(0.9);
  });

  it('refuses a half-life that is not a positive finite number', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => decayFactor(bad)).toThrow(RangeError);
  });
});
