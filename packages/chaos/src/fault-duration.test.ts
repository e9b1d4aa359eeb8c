import { describe, expect, it } from 'vitest';
import { ChaosInputError } from './chaos-errors.js';
import { checkFaultDuration, MAX_FAULT_DURATION_MS, parseFaultDuration } from './fault-duration.js';

describe('parseFaultDuration', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['90', 90_000],
    ['1.5', 1500],
    ['0', 0],
    ['none', 0],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseFaultDuration(text)).toBe(ms);
  });

  it.each(['', '-5s', '5 s', '1.5s', 'soon', '5x', 's', '1e3', '60S'])(
    'rejects %j with a one-line error',
    (text) => {
      expect(() => parseFaultDuration(text)).toThrow(ChaosInputError);
      expect(() => parseFaultDuration(text)).toThrow(/is not a duration \(e\.g\. 500ms, 60s/);
    },
  );

  it('refuses more than a week', () => {
    expect(parseFaultDuration('7d')).toBe(MAX_FAULT_DURATION_MS);
    expect(() => parseFaultDuration('8d')).toThrow('duration 8d is longer than a week');
  });
});

describe('checkFaultDuration', () => {
  it('accepts whole ms from 0 and refuses the rest', () => {
    expect(checkFaultDuration(0)).toBe(0);
    expect(checkFaultDuration(1)).toBe(1);
    expect(() => checkFaultDuration(-1)).toThrow(ChaosInputError);
    expect(() => checkFaultDuration(1.5)).toThrow(/whole number of ms/);
    expect(() => checkFaultDuration(Number.NaN)).toThrow(/whole number of ms/);
  });
});
