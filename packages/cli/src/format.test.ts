import { describe, expect, it } from 'vitest';
import { formatDuration, formatLogLine, formatTable } from './format.js';

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [999, '0s'],
    [1_000, '1s'],
    [59_999, '59s'],
    [60_000, '1m0s'],
    [61_000, '1m1s'],
    [3_599_999, '59m59s'],
    [3_600_000, '1h0m'],
    [(47 * 60 + 59) * 60_000, '47h59m'],
    [48 * 3_600_000, '2d0h'],
    [(10 * 24 + 5) * 3_600_000 + 59_000, '10d5h'],
    [-5_000, '0s'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('formatTable', () => {
  const table = formatTable(
    ['SERVICE', 'REPLICA', 'READY', 'LAST EXIT'],
    [
      ['catalog', 'catalog-1', 'yes', '-'],
      ['gateway-long-name', 'g-1', 'no', 'Signal(SIGKILL) 5s ago'],
    ],
  );
  const lines = table.split('\n');

  it('prints the header and one line per row', () => {
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^SERVICE\s+REPLICA\s+READY\s+LAST EXIT$/);
  });

  it('pads every column but the last to its widest cell plus two spaces', () => {
    expect(lines).toEqual([
      'SERVICE            REPLICA    READY  LAST EXIT',
      'catalog            catalog-1  yes    -',
      'gateway-long-name  g-1        no     Signal(SIGKILL) 5s ago',
    ]);
    // Columns start at the same offset on every line.
    for (const heading of ['REPLICA', 'READY', 'LAST EXIT']) {
      const column = lines[0]!.indexOf(heading);
      for (const line of lines.slice(1)) expect(line[column - 1]).toBe(' ');
      for (const line of lines.slice(1)) expect(line[column]).not.toBe(' ');
    }
  });

  it('leaves no trailing spaces, even with an empty last cell', () => {
    const out = formatTable(['A', 'B'], [['x', '']]);
    expect(out).toBe('A  B\nx');
  });

  it('prints just the header without rows', () => {
    expect(formatTable(['NAME', 'PHASE'], [])).toBe('NAME  PHASE');
  });
});

describe('formatLogLine', () => {
  it('renders a kit (pino) JSON line compactly: time, level, message, extra fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2024-05-01T12:00:01.123Z',
      service: 'catalog',
      version: '0.1.0',
      instance: 'catalog-1',
      pid: 4242,
      hostname: 'box',
      request_id: 'r-1',
      msg: 'request served',
      status: 200,
      route: '/products',
    });
    expect(formatLogLine(line)).toBe(
      '12:00:01 info  request served request_id=r-1 status=200 route=/products',
    );
  });

  it('maps numeric pino levels to names and keeps unknown ones as numbers', () => {
    expect(formatLogLine('{"level":50,"time":"2024-05-01T08:09:10.000Z","msg":"boom"}')).toBe(
      '08:09:10 error boom',
    );
    expect(formatLogLine('{"level":60,"time":"2024-05-01T08:09:10.000Z","msg":"dead"}')).toBe(
      '08:09:10 fatal dead',
    );
    expect(formatLogLine('{"level":35,"time":"2024-05-01T08:09:10.000Z","msg":"odd"}')).toBe(
      '08:09:10 35    odd',
    );
  });

  it('omits a numeric (epoch) time rather than printing it wrongly', () => {
    expect(formatLogLine('{"level":30,"time":1714564801123,"msg":"hi"}')).toBe('info  hi');
  });

  it('renders nested values as JSON', () => {
    expect(
      formatLogLine('{"level":"error","msg":"failed","err":{"type":"Error","message":"x"},"tags":["a"]}'),
    ).toBe('error failed err={"type":"Error","message":"x"} tags=["a"]');
  });

  it.each([
    ['plain text', 'server listening on 3000'],
    ['a [stderr]-style line', '[stderr] warning: something'],
    ['broken JSON', '{"level":"info","msg":"cut off'],
    ['JSON that is not an object', '[1,2,3]'],
    ['an empty line', ''],
    ['text starting with a brace', '{not json at all}'],
  ])('passes %s through unchanged', (_name, line) => {
    expect(formatLogLine(line)).toBe(line);
  });
});
