import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../testing/seeded-random.js';
import { RobustScale } from './robust-scale.js';

describe('RobustScale', () => {
  it('tracks median and σ of a noisy stream despite 5% wild outliers', () => {
    const random = seededRandom(11);
    const scale = RobustScale.empty();
    for (let i = 0; i < 5000; i += 1) {
      const outlier = random.next() < 0.05;
      scale.observe(outlier ? 1e6 : 50 + 2 * random.gaussian(), 1e-9);
    }
    expect(scale.median()).toBeGreaterThan(49);
    expect(scale.median()).toBeLessThan(51.5);
    expect(scale.sigma(1e-9)).toBeGreaterThan(1.5);
    expect(scale.sigma(1e-9)).toBeLessThan(2.8);
  });

  it('floors the scale of a constant stream', () => {
    const scale = RobustScale.empty();
    for (let i = 0; i < 100; i += 1) scale.observe(3, 0.01);
    expect(scale.median()).toBe(3);
    expect(scale.sigma(0.01)).toBe(0.01);
  });
});
