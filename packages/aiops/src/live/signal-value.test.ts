import { describe, expect, it } from 'vitest';
import { formatSignalValue } from './signal-value.js';

describe('formatSignalValue', () => {
  it.each([
    [0.412, 'seconds', '412 ms'],
    [0.0413, 'seconds', '41.3 ms'],
    [2.5, 'seconds', '2.50 seconds'],
    [0.015, 'ratio', '1.50 %'],
    [0, 'ratio', '0 %'],
    [12, 'requests/s', '12 requests/s'],
    [12.345, 'requests/s', '12.3 requests/s'],
    [3_500_000_000, 'bytes', '3.50e+9 bytes'],
    [NaN, 'cores', 'NaN'],
  ])('writes %s %s as %s', (value, unit, text) => {
    expect(formatSignalValue(value, unit)).toBe(text);
  });
});
