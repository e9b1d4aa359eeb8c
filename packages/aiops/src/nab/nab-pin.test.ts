// The pin test: the baseline over the whole corpus, scored by the TypeScript scorer, must give the reference
// scorer's numbers (fixture: testing/windowed-gaussian.nabscore.json; testing/regenerate-pin-fixture.ts says
// how it was made). With python3 on PATH, nabscore.py also re-scores a subset of the files here.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowedGaussianDetector } from '../detectors/baseline/index.js';
import { loadNabCorpus } from './nab-corpus.js';
import { formatResultsCsv, readResultsDir, resultsFilePath } from './nab-results-files.js';
import { resolveNabRoot } from './nab-root.js';
import { scoreNab } from './nab-score.js';
import {
  expectSameReport,
  referenceAvailable,
  runReference,
  type ReferenceReport,
} from './testing/reference-scorer.js';
import { runBaseline } from './testing/write-baseline-results.js';

const corpusPresent = existsSync(join(resolveNabRoot(), 'labels', 'combined_windows.json'));
const fixture = JSON.parse(
  readFileSync(new URL('./testing/windowed-gaussian.nabscore.json', import.meta.url), 'utf8'),
) as ReferenceReport;
const SUBSET = [
  'artificialNoAnomaly/art_noisy.csv',
  'artificialWithAnomaly/art_daily_jumpsup.csv',
  'realKnownCause/nyc_taxi.csv',
  'realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv',
];
const work = mkdtempSync(join(tmpdir(), 'nab-pin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!corpusPresent)('NAB scorer pinned to the reference', () => {
  // Loaded before the tests, not at collection: a skipped suite's body still runs when it is collected.
  let corpus: ReturnType<typeof loadNabCorpus>;
  let scores: ReturnType<typeof runBaseline>;
  beforeAll(() => {
    corpus = loadNabCorpus();
    scores = runBaseline(corpus);
  }, 60_000);

  it('scores the baseline over the full corpus exactly as nabscore.py did', () => {
    expect(corpus.files).toHaveLength(58);
    expect(corpus.windowCount).toBe(116);
    const report = scoreNab(corpus, scores, { detector: windowedGaussianDetector.name });
    expectSameReport(report, fixture);
  }, 60_000);

  it.skipIf(!referenceAvailable)(
    'agrees with nabscore.py re-run on a subset of results files',
    () => {
      const labels = JSON.parse(
        readFileSync(join(corpus.root, 'labels', 'combined_windows.json'), 'utf8'),
      ) as Record<string, unknown>;
      const windowsFile = join(work, 'subset_windows.json');
      writeFileSync(windowsFile, JSON.stringify(Object.fromEntries(SUBSET.map((p) => [p, labels[p]]))));
      const subset = loadNabCorpus({ windowsFile });
      const dir = join(work, 'results', windowedGaussianDetector.name);
      for (const file of subset.files) {
        const path = join(dir, resultsFilePath(windowedGaussianDetector.name, file));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, formatResultsCsv(file, scores.get(file.path)!));
      }
      const fromFiles = readResultsDir(dir, windowedGaussianDetector.name, subset);
      const report = scoreNab(subset, fromFiles, { detector: windowedGaussianDetector.name });
      expectSameReport(report, runReference([dir, '--windows', windowsFile]));
      expect(report.profiles['standard']!.windowsScored).toBeGreaterThan(0);
    },
    60_000,
  );
});
