import { describe, expect, it } from 'vitest';
import { EXTENSION, extend, saliencyMap } from './saliency.js';

describe('spectral residual saliency', () => {
  it('extrapolates the trend of the points before the newest one', () => {
    const history = [0, 1, 2, 3, 4, 5, 6, 7, 100];
    const re = new Float64Array(history.length + EXTENSION);
    extend(history, re);
    // The spike at the end does not leak into the tail: it continues 0..7 (next = 3 + 1·5 = 8).
    expect([...re.slice(history.length)]).toEqual([8, 8, 8, 8, 8]);
  });

  it('makes an isolated spike on a smooth wave the most salient point', () => {
    const n = 64;
    const re = Float64Array.from({ length: n }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 16));
    re[40] = re[40]! + 3;
    saliencyMap(re, new Float64Array(n), new Float64Array(n), new Float64Array(n));
    const peak = re.indexOf(Math.max(...re));
    expect(peak).toBe(40);
  });

  it('stays finite on a constant window', () => {
    const n = 64;
    const re = new Float64Array(n).fill(3);
    saliencyMap(re, new Float64Array(n), new Float64Array(n), new Float64Array(n));
    expect(re.every((v) => Number.isFinite(v))).toBe(true);
  });
});
