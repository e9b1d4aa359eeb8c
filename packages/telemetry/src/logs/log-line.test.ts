import { describe, expect, it } from 'vitest';
import { lineFacts, normalizeLevel, timeValueNs } from './log-line.js';

describe('facts of a line', () => {
  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
    ['WARNING', 'warn'],
    ['err', 'error'],
    ['critical', 'fatal'],
    ['30', 'info'],
    ['verbose', undefined],
    [5, undefined],
  ])('level %j is %s', (value, level) => {
    expect(normalizeLevel(value)).toBe(level);
  });

  it.each([
    [1_700_000_000, 1_700_000_000_000_000_000n],
    [1_700_000_000_123, 1_700_000_000_123_000_000n],
    [1_700_000_000_123_456, 1_700_000_000_123_456_000n],
    ['2026-12-06T17:00:00.000Z', 1_796_576_400_000_000_000n],
    ['soon', undefined],
  ])('time %j is %s ns', (value, ns) => {
    expect(timeValueNs(value)).toBe(ns);
  });

  it('reads level, trace id and time of a pino line; nothing of other lines', () => {
    const line =
      '{"level":"info","time":"2026-12-06T17:00:00.000Z","service":"orders","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"order placed"}';
    expect(lineFacts(line)).toEqual({
      level: 'info',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      timestampNs: 1_796_576_400_000_000_000n,
    });
    expect(lineFacts('TypeError: x is undefined')).toEqual({});
    expect(lineFacts('{"broken":')).toEqual({});
    expect(lineFacts('{"trace_id":"has spaces in it","time":"9999-01-01T00:00:00Z"}')).toEqual({});
  });
});
