import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits } from './money.js';

describe('formatMoney', () => {
  it('formats minor units with the currency’s digits', () => {
    expect(formatMoney(0, 'EUR')).toBe('0.00 EUR');
    expect(formatMoney(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(1250, 'EUR')).toBe('12.50 EUR');
    expect(formatMoney(123456789, 'USD')).toBe('1,234,567.89 USD');
    expect(formatMoney(1500, 'JPY')).toBe('1,500 JPY');
    expect(formatMoney(1234, 'KWD')).toBe('1.234 KWD');
  });

  it('is exact beyond 2^53 (bigint line totals)', () => {
    expect(formatMoney(12345678901234567890n, 'EUR')).toBe('123,456,789,012,345,678.90 EUR');
    expect(formatMoney(-150n, 'EUR')).toBe('-1.50 EUR');
  });

  it('falls back to 2 digits for codes Intl does not know', () => {
    expect(minorDigits('XYZ')).toBe(2);
    expect(formatMoney(100, 'XYZ')).toBe('1.00 XYZ');
  });
});
