import { describe, expect, it } from 'vitest';
import { gateSurprise } from './surprise-gate.js';

describe('gateSurprise', () => {
  it('keeps a lone surprise and suppresses the ones right after it', () => {
    let peak = 0;
    const out = [0.1, 0.9, 0.9, 0.5, 0.95].map((raw) => {
      const g = gateSurprise(raw, peak);
      peak = g.peak;
      return g.score;
    });
    expect(out[0]).toBeCloseTo(0.1);
    expect(out[1]).toBeGreaterThan(0.79);
    expect(out[2]).toBeLessThan(0.01);
    expect(out[3]).toBe(0);
    expect(out[4]).toBeGreaterThan(0.04);
    expect(out[4]).toBeLessThan(0.06);
  });

  it('forgets: the same surprise much later scores again', () => {
    let peak = gateSurprise(0.9, 0).peak;
    for (let i = 0; i < 2000; i += 1) peak = gateSurprise(0, peak).peak;
    expect(gateSurprise(0.9, peak).score).toBeGreaterThan(0.89);
  });
});
