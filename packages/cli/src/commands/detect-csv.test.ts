import { describe, expect, it } from 'vitest';
import { CsvInputError, parseCsvTimestamp, parseDetectCsv } from './detect-csv.js';

describe('opsloop detect: CSV input', () => {
  it('reads ISO-8601 (T or space, zone or UTC) and epoch seconds', () => {
    expect(parseCsvTimestamp('2014-07-01 00:30:00')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseCsvTimestamp('2014-07-01T00:30:00Z')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseCsvTimestamp('2014-07-01T02:30:00+02:00')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseCsvTimestamp('2014-07-01T02:30:00.250+0200')).toBe(Date.UTC(2014, 6, 1, 0, 30) + 250);
    expect(parseCsvTimestamp('2014-07-01')).toBe(Date.UTC(2014, 6, 1));
    expect(parseCsvTimestamp('1404174600')).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(parseCsvTimestamp('1404174600.5')).toBe(Date.UTC(2014, 6, 1, 0, 30) + 500);
    for (const bad of ['yesterday', '2014-13-01', '2014-07-01T25:00:00Z', '07/01/2014', ''])
      expect(parseCsvTimestamp(bad)).toBeUndefined();
  });

  it('skips a header and blank lines, keeps the text of every row, allows NaN and Inf', () => {
    const points = parseDetectCsv(
      'timestamp,value\n2014-07-01 00:00:00,10844\n\n1404174600,"1.5e3"\n1404174700,NaN\n1404174800,-inf\n',
    );
    expect(points.map((p) => [p.line, p.timestampText, p.valueText, p.value])).toEqual([
      [2, '2014-07-01 00:00:00', '10844', 10844],
      [4, '1404174600', '1.5e3', 1500],
      [5, '1404174700', 'NaN', NaN],
      [6, '1404174800', '-inf', -Infinity],
    ]);
  });

  it('names the line and the problem of a bad row', () => {
    const cases: [string, RegExp][] = [
      ['1,2\n3', /^line 2: expected 2 columns/],
      ['1,2\n3,4,5', /^line 2: expected 2 columns \(timestamp,value\), found 3$/],
      ['1,2\nsoon,4', /^line 2: "soon" is not a timestamp/],
      ['1,2\n3,abc', /^line 2: "abc" is not a number$/],
      ['1,2\n3,', /^line 2: "" is not a number$/],
      ['10,2\n3,4', /^line 2: timestamp 3 is earlier than the row before$/],
    ];
    for (const [input, message] of cases) {
      expect(() => parseDetectCsv(input)).toThrow(CsvInputError);
      expect(() => parseDetectCsv(input)).toThrow(message);
    }
  });
});
