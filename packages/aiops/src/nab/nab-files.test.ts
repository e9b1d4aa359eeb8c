// The corpus reader's pieces: timestamps, CSV, profiles, window lookup, results files, the root folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNabCorpus } from './nab-corpus.js';
import { parseCsv } from './nab-csv.js';
import { parseNabProfiles } from './nab-profiles.js';
import { formatResultsCsv, readResultsDir, windowLabels } from './nab-results-files.js';
import { resolveNabRoot } from './nab-root.js';
import { nabContext, runDetectorOnFile } from './nab-run-detector.js';
import { parseNabTimestamp } from './nab-timestamp.js';

const work = mkdtempSync(join(tmpdir(), 'nab-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PROFILES = { standard: { CostMatrix: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 } } };

function corpusRoot(name: string, data: string, windows: [string, string][]): string {
  const root = join(work, name);
  mkdirSync(join(root, 'data', 'cat'), { recursive: true });
  mkdirSync(join(root, 'labels'), { recursive: true });
  mkdirSync(join(root, 'config'), { recursive: true });
  writeFileSync(join(root, 'data', 'cat', 'a.csv'), data);
  writeFileSync(join(root, 'labels', 'combined_windows.json'), JSON.stringify({ 'cat/a.csv': windows }));
  writeFileSync(join(root, 'config', 'profiles.json'), JSON.stringify(PROFILES));
  return root;
}

const DATA = 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2.5\n\n2014-04-01 00:10:00,-3\n';

describe('parseNabTimestamp', () => {
  it('reads data and label timestamps as UTC', () => {
    expect(parseNabTimestamp('2014-04-01 00:05:00').ms).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseNabTimestamp('2014-04-01 00:05:00.000000').micros).toBe(
      parseNabTimestamp('2014-04-01T00:05:00').micros,
    );
    expect(parseNabTimestamp('2014-04-01 00:05:00.5').micros % 1_000_000).toBe(500_000);
  });
  it('refuses other formats and impossible dates', () => {
    expect(() => parseNabTimestamp('04/01/2014')).toThrow(/not a NAB timestamp/);
    expect(() => parseNabTimestamp('2014-02-30 00:00:00')).toThrow(/not a valid date/);
  });
});

describe('parseCsv and parseNabProfiles', () => {
  it('trims header names and skips empty lines', () => {
    expect(parseCsv(' timestamp , value\n1,2\n\n3,4\n', 'x')).toEqual({
      header: ['timestamp', 'value'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
    expect(() => parseCsv('', 'x.csv')).toThrow(/x.csv: empty/);
  });
  it('orders NAB profiles first and checks the weights', () => {
    const extra = { other: PROFILES.standard, ...PROFILES };
    expect([...parseNabProfiles(extra).keys()]).toEqual(['standard', 'other']);
    expect(() => parseNabProfiles({ standard: { CostMatrix: { tpWeight: 'a' } } })).toThrow(/tpWeight/);
  });
});

describe('loadNabCorpus', () => {
  it('reads rows, values and window row indices', () => {
    const corpus = loadNabCorpus({
      root: corpusRoot('ok', DATA, [['2014-04-01 00:05:00.000000', '2014-04-01 00:10:00.000000']]),
    });
    const [file] = corpus.files;
    expect(file).toMatchObject({ path: 'cat/a.csv', category: 'cat', fileName: 'a.csv', rowCount: 3 });
    expect(file!.values).toEqual([1, 2.5, -3]);
    expect(file!.windows).toEqual([{ left: 1, right: 2 }]);
    expect(corpus.windowCount).toBe(1);
    expect([...windowLabels(file!)]).toEqual([0, 1, 1]);
    expect(nabContext(file!)).toEqual({ inputMin: -3, inputMax: 2.5 });
    expect(nabContext(file!, { live: true })).toEqual({});
  });
  it('refuses a window the data does not contain and a non-numeric value', () => {
    expect(() =>
      loadNabCorpus({ root: corpusRoot('nowin', DATA, [['2014-04-02 00:00:00', '2014-04-02 00:05:00']]) }),
    ).toThrow(/window 2014-04-02 00:00:00\.\.2014-04-02 00:05:00 not found in cat\/a.csv/);
    expect(() =>
      loadNabCorpus({ root: corpusRoot('bad', 'timestamp,value\n2014-04-01 00:00:00,x\n', []) }),
    ).toThrow(/row 2: value "x" is not a number/);
  });
});

describe('results files', () => {
  const root = corpusRoot('results', DATA, [['2014-04-01 00:05:00', '2014-04-01 00:05:00']]);
  const corpus = loadNabCorpus({ root });
  const file = corpus.files[0]!;

  it('round-trip anomaly scores exactly, with the label column', () => {
    const scores = [0.1 + 0.2, 1 / 3, 1e-7];
    const csv = formatResultsCsv(file, scores);
    expect(csv.split('\n')[0]).toBe('timestamp,value,anomaly_score,label');
    expect(csv.split('\n')[2]).toBe(`2014-04-01 00:05:00,2.5,${1 / 3},1`);
    mkdirSync(join(root, 'out', 'cat'), { recursive: true });
    writeFileSync(join(root, 'out', 'cat', 'd_a.csv'), csv);
    expect(readResultsDir(join(root, 'out'), 'd', corpus).get('cat/a.csv')).toEqual(scores);
  });
  it('refuse a missing file, a wrong row count and a bad score', () => {
    expect(() => readResultsDir(join(root, 'none'), 'd', corpus)).toThrow(/no results file for cat\/a.csv/);
    mkdirSync(join(root, 'short', 'cat'), { recursive: true });
    writeFileSync(join(root, 'short', 'cat', 'a.csv'), 'anomaly_score\n0\n');
    expect(() => readResultsDir(join(root, 'short'), 'd', corpus)).toThrow(/has 1 rows, data file has 3/);
    writeFileSync(join(root, 'short', 'cat', 'a.csv'), 'anomaly_score\n0\nx\n0\n');
    expect(() => readResultsDir(join(root, 'short'), 'd', corpus)).toThrow(/row 3: anomaly_score "x"/);
  });
  it('come from one fresh detector per file, fed row by row', () => {
    const seen: number[] = [];
    const factory = {
      name: 'echo',
      create: () => ({
        update: (t: number, v: number) => (seen.push(t), v > 0 ? 1 : 0),
        snapshot: () => ({ detector: 'echo', version: 1, state: null }),
        stats: () => ({ points: seen.length, skipped: 0 }),
      }),
      restore: () => {
        throw new Error('unused');
      },
    };
    expect([...runDetectorOnFile(factory, file)]).toEqual([1, 1, 0]);
    expect(seen).toEqual(file.timesMs);
  });
});

describe('resolveNabRoot', () => {
  it('prefers NAB_ROOT, else ../shared/datasets/nab next to the repository', () => {
    expect(resolveNabRoot({ NAB_ROOT: '/tmp/nab' })).toBe('/tmp/nab');
    expect(resolveNabRoot({})).toMatch(/\/shared\/datasets\/nab$/);
    expect(resolveNabRoot({}).endsWith('packages/shared/datasets/nab')).toBe(false);
  });
});
