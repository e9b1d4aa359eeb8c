import { describe, expect, it } from 'vitest';
import { cpuQuantity, memoryQuantity, numberQuantity } from './quantity.js';

describe('quantities', () => {
  it('print memory in the largest exact binary unit', () => {
    expect(memoryQuantity(2 ** 30)).toBe('1Gi');
    expect(memoryQuantity(1536 * 2 ** 20)).toBe('1536Mi');
    expect(memoryQuantity(1000)).toBe('1000');
  });

  it('print CPU in millicores, at least 1m', () => {
    expect(cpuQuantity(0.5)).toBe('500m');
    expect(cpuQuantity(2)).toBe('2000m');
    expect(cpuQuantity(0.0001)).toBe('1m');
  });

  it('print fractions in milli-units', () => {
    expect(numberQuantity(12)).toBe('12');
    expect(numberQuantity(12.5)).toBe('12500m');
  });
});
