import { describe, expect, it } from 'vitest';
import { formatClipped, formatRevision, formatScore } from './format.js';

describe('formatScore, formatRevision, formatClipped', () => {
  it('writes scores with two decimals and a dash for none', () => {
    expect([0.926, 0, 1].map(formatScore)).toEqual(['0.93', '0.00', '1.00']);
    expect([null, undefined, Number.NaN].map(formatScore)).toEqual(['–', '–', '–']);
  });

  it('cuts revisions to 10 characters and long text with an ellipsis', () => {
    expect(formatRevision('abcdef1234567')).toBe('abcdef1234');
    expect(formatRevision('v2')).toBe('v2');
    expect(formatClipped('checkout-service', 10)).toBe('checkout-…');
    expect(formatClipped('checkout', 10)).toBe('checkout');
    expect(formatClipped('0123456789', 10)).toBe('0123456789');
  });
});
