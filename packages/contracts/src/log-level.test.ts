import { describe, expect, it } from 'vitest';
import { atLeast, levelOf, levelOfPlainLine } from './log-level.js';

describe('log levels', () => {
  it("reads pino's numbers (as numbers or strings), names and nothing else", () => {
    expect([10, 20, 30, 40, 50, 60].map((n) => levelOf(n))).toEqual([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ]);
    expect(levelOf('50')).toBe('error');
    expect(levelOf(5)).toBe('unknown');
    expect(levelOf('dbg')).toBe('debug');
    expect(levelOf(' Warning ')).toBe('warn');
    expect([levelOf(undefined), levelOf(null), levelOf(Number.NaN), levelOf('loud'), levelOf({})]).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });

  it('finds a level among the first words of a plain line, and orders levels', () => {
    expect(levelOfPlainLine('[ERROR] disk full')).toBe('error');
    expect(levelOfPlainLine('listening on :8080')).toBe('unknown');
    expect(atLeast('error', 'warn')).toBe(true);
    expect(atLeast('info', 'warn')).toBe(false);
  });
});
