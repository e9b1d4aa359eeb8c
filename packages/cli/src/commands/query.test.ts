import { describe, expect, it } from 'vitest';
import { formatResult, sparkline } from './query.js';
import { parseDurationArgument, parseTimeArgument } from './time-arguments.js';

describe('opsloop query output', () => {
  it('prints a vector as series and values, sorted, with Prometheus float spelling', () => {
    const text = formatResult({
      type: 'vector',
      samples: [
        { labels: { __name__: 'up', job: 'orders' }, timestampMs: 0, value: 1 },
        { labels: { job: 'cart' }, timestampMs: 0, value: NaN },
      ],
    });
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^SERIES\s+VALUE$/);
    expect(lines[1]).toMatch(/^up\{job="orders"\}\s+1$/);
    expect(lines[2]).toMatch(/^\{job="cart"\}\s+NaN$/);
  });

  it('summarises a matrix with min, max, last and its shape', () => {
    const text = formatResult({
      type: 'matrix',
      series: [{ labels: { __name__: 'x' }, timestampsMs: [1, 2, 3], values: [1, 8, 4] }],
    });
    expect(text).toMatch(/x\s+1\s+8\s+4\s+▁█▄/);
    expect(formatResult({ type: 'vector', samples: [] })).toBe('no data\n');
    expect(formatResult({ type: 'scalar', timestampMs: 0, value: Infinity })).toBe('+Inf\n');
  });

  it('draws gaps as spaces and flat series at mid height', () => {
    expect(sparkline([1, NaN, 1])).toBe('▄ ▄');
    expect(sparkline([])).toBe('');
  });
});

describe('time arguments', () => {
  it('reads durations and instants', () => {
    expect(parseDurationArgument('1h30m')).toBe(5_400_000);
    expect(parseDurationArgument('250ms')).toBe(250);
    expect(parseTimeArgument('now-5m', 1_000_000)).toBe(700_000);
    expect(parseTimeArgument('1700000000.5', 0)).toBe(1_700_000_000_500);
    expect(parseTimeArgument('2026-12-06T00:00:00Z', 0)).toBe(Date.UTC(2026, 11, 6));
  });

  it('refuses what is neither, with a one-line message', () => {
    expect(() => parseDurationArgument('5 minutes')).toThrow('"5 minutes" is not a duration');
    expect(() => parseDurationArgument('0s')).toThrow('not a positive duration');
    expect(() => parseTimeArgument('yesterday', 0)).toThrow('"yesterday" is not a time');
  });
});
