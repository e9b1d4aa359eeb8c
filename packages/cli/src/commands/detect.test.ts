import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTORS, defaultDetector, type DetectorFactory } from '@opsloop/aiops';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { detect } from './detect.js';

describe('opsloop detect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-detect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const detector = defaultDetector().name;

  it('writes every input row with its score, the spike scoring highest (at once or a few points after)', async () => {
    // Long enough for every member of the default ensemble to learn the series first.
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const value = i === 1600 ? 500 : 100 + 10 * Math.sin(i / 5);
      return `${1_700_000_000 + i * 60},${value.toFixed(3)}`;
    });
    const input = join(dir, 'series.csv');
    const output = join(dir, 'scored.csv');
    writeFileSync(input, `timestamp,value\n${rows.join('\n')}\n`);
    expect(await detect({ detector, detectors: DETECTORS, input, output })).toBe(0);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines).toHaveLength(2001);
    const scores = lines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(rows);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    // The ensemble may confirm a spike a few points later (some members score once per step).
    const peak = scores.indexOf(Math.max(...scores));
    expect(peak).toBeGreaterThanOrEqual(1600);
    expect(peak).toBeLessThan(1606);
  });

  it('passes a known min and max to the detector', async () => {
    let seen: unknown;
    const spy: DetectorFactory = {
      ...DETECTORS[0]!,
      name: 'spy',
      create(context) {
        seen = context;
        return DETECTORS[0]!.create(context);
      },
    };
    const input = join(dir, 'two.csv');
    writeFileSync(input, '1,2\n2,3\n');
    await detect({
      detector: 'spy',
      detectors: [spy],
      input,
      output: join(dir, 'two-out.csv'),
      min: 0,
      max: 10,
    });
    expect(seen).toEqual({ inputMin: 0, inputMax: 10 });
  });

  it('refuses bad rows, unknown detectors and min > max with one line, writing nothing', async () => {
    const input = join(dir, 'bad.csv');
    const output = join(dir, 'never.csv');
    writeFileSync(input, '1,2\n2,3\n3,oops\n');
    await expect(detect({ detector, detectors: DETECTORS, input, output })).rejects.toThrow(
      new CliError(`${input}: line 3: "oops" is not a number`),
    );
    expect(existsSync(output)).toBe(false);
    await expect(detect({ detector: 'nope', detectors: DETECTORS, input })).rejects.toThrow(
      /unknown detector "nope"/,
    );
    await expect(detect({ detector, detectors: DETECTORS, input, min: 5, max: 1 })).rejects.toThrow(
      '--min 5 is greater than --max 1',
    );
    await expect(detect({ detector, detectors: DETECTORS, input: join(dir, 'missing.csv') })).rejects.toThrow(
      /cannot read .*missing\.csv: ENOENT/,
    );
  });
});
