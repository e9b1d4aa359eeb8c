import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, isDuration, parseDuration } from './prom-duration.js';

describe('Prometheus durations', () => {
  it('parses every unit and combinations written largest first', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
  });

  it('refuses what Prometheus refuses', () => {
    for (const bad of ['', '5', '1.5h', '30m1h', '1h1h', '-5m', '5 m', 'm', '1M']) {
      expect(isDuration(bad), bad).toBe(false);
      expect(() => parseDuration(bad)).toThrow(DurationError);
    }
  });

  it('formats as Prometheus prints durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(50 * 3_600_000)).toBe('2d2h');
    expect(formatDuration(7 * 86_400_000)).toBe('1w');
    expect(() => formatDuration(-1)).toThrow(DurationError);
  });

  it('property: format then parse is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
