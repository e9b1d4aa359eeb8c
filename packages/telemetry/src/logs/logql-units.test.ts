import { describe, expect, it } from 'vitest';
import { parseBytes, parseGoDurationSeconds, parseQueryDurationMs, unquoteString } from './logql-units.js';

describe('literals', () => {
  it('unquotes Go strings', () => {
    expect(unquoteString('"a\\tb\\n\\"c\\" \\x41 \\101 \\u00e9 \\U0001F600"')).toBe('a\tb\n"c" A A é 😀');
    expect(unquoteString('`raw \\n`')).toBe('raw \\n');
    expect(() => unquoteString('"bad \\q"')).toThrow(/invalid escape/);
    expect(() => unquoteString('"open')).toThrow(/unterminated/);
    expect(() => unquoteString("'single'")).toThrow(/invalid string literal/);
  });

  it('reads query durations', () => {
    expect(parseQueryDurationMs('1h30m')).toBe(5_400_000);
    expect(parseQueryDurationMs('250ms')).toBe(250);
    expect(parseQueryDurationMs('1d')).toBe(86_400_000);
    expect(() => parseQueryDurationMs('5x')).toThrow(/not a valid duration/);
  });

  it('reads Go durations of label values in seconds', () => {
    expect(parseGoDurationSeconds('1.5s')).toBe(1.5);
    expect(parseGoDurationSeconds('1h2m3s')).toBe(3723);
    expect(parseGoDurationSeconds('250ms')).toBe(0.25);
    expect(parseGoDurationSeconds('-2us')).toBeCloseTo(-2e-6);
    expect(parseGoDurationSeconds('0')).toBe(0);
    expect(parseGoDurationSeconds('12')).toBeUndefined();
  });

  it('reads sizes like go-humanize', () => {
    expect(parseBytes('10KB')).toBe(10_000);
    expect(parseBytes('1.5 MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseBytes('42')).toBe(42);
    expect(parseBytes('12 parsecs')).toBeUndefined();
  });
});
