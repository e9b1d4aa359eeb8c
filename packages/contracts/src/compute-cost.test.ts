import { describe, expect, it } from 'vitest';
import { BYTES_PER_GIB, HOURS_PER_MONTH, hourlyComputeCost } from './compute-cost.js';

const prices = { cpuCoreHour: 0.04, memoryGiBHour: 0.005 };

describe('hourlyComputeCost', () => {
  it('prices cores and GiB of every replica', () => {
    // 3 × (0.5 × 0.04 + 2 × 0.005) = 3 × 0.03
    expect(hourlyComputeCost(3, { cpuCores: 0.5, memoryBytes: 2 * BYTES_PER_GIB }, prices)).toBeCloseTo(
      0.09,
      10,
    );
  });

  it('takes memory in bytes (256Mi is a quarter GiB)', () => {
    expect(hourlyComputeCost(1, { cpuCores: 0, memoryBytes: 256 * 2 ** 20 }, prices)).toBeCloseTo(
      0.00125,
      10,
    );
  });

  it('is zero without replicas, and a month is 730 hours', () => {
    expect(hourlyComputeCost(0, { cpuCores: 4, memoryBytes: BYTES_PER_GIB }, prices)).toBe(0);
    expect(HOURS_PER_MONTH).toBe(730);
  });
});
