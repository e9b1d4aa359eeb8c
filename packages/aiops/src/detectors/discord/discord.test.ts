import { describe, expect, it } from 'vitest';
import { syntheticSeries, type AnomalyKind } from '../iforest/testing/synthetic.js';
import { detectorProperties } from '../iforest/testing/properties.js';
import { discordDetector } from './index.js';
import { LeftMatrixProfile, emptyLeftMatrixProfile } from './left-matrix-profile.js';

/** Nearest earlier z-normalised neighbour of the newest subsequence, the slow and obvious way. */
function bruteForce(
  xs: readonly number[],
  m: number,
  history: number,
  exclusion: number,
  floor: number,
): number {
  const q = xs.length - m;
  const window = xs.slice(Math.max(0, q - history));
  const floor2 = ((Math.max(...window) - Math.min(...window)) * floor) ** 2;
  const z = (a: number): number[] => {
    const s = xs.slice(a, a + m);
    const mu = s.reduce((p, c) => p + c, 0) / m;
    const variance = s.reduce((p, c) => p + (c - mu) ** 2, 0) / m;
    return s.map((c) => (c - mu) / Math.sqrt(variance + floor2));
  };
  let best = Infinity;
  for (let j = Math.max(0, q - history); j <= q - exclusion; j++) {
    const a = z(q);
    const b = z(j);
    best = Math.min(best, a.reduce((p, c, i) => p + (c - b[i]!) ** 2, 0) / m);
  }
  return Math.sqrt(best / 4);
}

describe('left matrix profile', () => {
  for (const floor of [0, 0.25]) {
    it(`equals the brute-force nearest neighbour on a long offset series (noise floor ${floor})`, () => {
      const params = { length: 8, history: 40, exclusion: 2, noiseFloor: floor };
      const lmp = new LeftMatrixProfile(params, emptyLeftMatrixProfile());
      const xs: number[] = [];
      for (let t = 0; t < 400; t++) {
        xs.push(1e6 + 10 * Math.sin(t / 5) + ((t * 7919) % 13) + (t > 300 ? 50 : 0));
        const got = lmp.push(xs[t]!);
        if (xs.length - 8 - 2 < 0) expect(got).toBeUndefined();
        else expect(got).toBeCloseTo(bruteForce(xs, 8, 40, 2, floor), 6);
      }
    });
  }
});

describe('discord detector', () => {
  // A spike and a level shift make shapes never seen before. A trend change keeps the shape (z-normalisation
  // removes the slope's level), more noise is still noise once normalised, a flat line is close to earlier
  // low-noise stretches, and a lost season echoes for a whole period: known gaps (see the report).
  const found: AnomalyKind[] = ['spike', 'level-shift'];
  for (const kind of found) {
    it(`scores a ${kind} above every other point after the warm-up`, () => {
      const s = syntheticSeries(kind);
      const d = discordDetector.create();
      const scores = s.values.map((v, i) => d.update(s.timestamps[i]!, v));
      const inside = Math.max(...scores.slice(s.anomalyStart, s.anomalyStart + 32));
      const outside = Math.max(...scores.slice(700, s.anomalyStart), ...scores.slice(s.anomalyStart + 32));
      expect(inside).toBeGreaterThan(outside);
    });
  }

  it('scores a constant series 0 throughout', () => {
    const d = discordDetector.create();
    expect(Array.from({ length: 1500 }, (_, i) => d.update(i, 42)).every((s) => s === 0)).toBe(true);
  });

  detectorProperties(discordDetector, 700, 25);
});
