import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../testing/seeded-random.js';
import { fft } from './fft.js';

describe('fft', () => {
  it('matches a naive DFT and inverts back to the input', () => {
    const random = seededRandom(5);
    const n = 32;
    const input = Array.from({ length: n }, () => random.gaussian());
    const re = Float64Array.from(input);
    const im = new Float64Array(n);
    fft(re, im, false);
    for (let k = 0; k < n; k += 1) {
      let sumRe = 0;
      let sumIm = 0;
      for (let t = 0; t < n; t += 1) {
        sumRe += input[t]! * Math.cos((-2 * Math.PI * k * t) / n);
        sumIm += input[t]! * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(sumRe, 9);
      expect(im[k]).toBeCloseTo(sumIm, 9);
    }
    fft(re, im, true);
    for (let t = 0; t < n; t += 1) {
      expect(re[t]).toBeCloseTo(input[t]!, 9);
      expect(im[t]).toBeCloseTo(0, 9);
    }
  });
});
