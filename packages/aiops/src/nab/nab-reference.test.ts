// The TypeScript scorer against nabscore.py on random small corpora (ties, several windows, probation,
// an extra profile): same thresholds, counts and scores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNabCorpus } from './nab-corpus.js';
import { resolveNabRoot } from './nab-root.js';
import { readResultsDir } from './nab-results-files.js';
import { scoreNab } from './nab-score.js';
import { expectSameReport, referenceAvailable, runReference } from './testing/reference-scorer.js';
import { writeTinyCorpus } from './testing/tiny-corpus.js';

const work = mkdtempSync(join(tmpdir(), 'nab-ref-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!referenceAvailable)('TypeScript scorer vs nabscore.py on random small corpora', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}`, () => {
      const root = join(work, `seed-${seed}`);
      const results = writeTinyCorpus(root, seed, 'tiny');
      // NAB_ROOT points the loader at the tiny corpus.
      const corpus = loadNabCorpus({ root: resolveNabRoot({ NAB_ROOT: root }) });
      expect(corpus.root).toBe(root);
      const report = scoreNab(corpus, readResultsDir(results, 'tiny', corpus), { detector: 'tiny' });
      expect(Object.keys(report.profiles)).toEqual([
        'standard',
        'reward_low_FP_rate',
        'reward_low_FN_rate',
        'custom_first',
      ]);
      expectSameReport(report, runReference([results, '--nab-root', root]));
      // A fixed threshold too (nabscore.py --threshold).
      expectSameReport(
        scoreNab(corpus, readResultsDir(results, 'tiny', corpus), { detector: 'tiny', threshold: 0.5 }),
        runReference([results, '--nab-root', root, '--threshold', '0.5']),
      );
    }, 30_000);
  }
});
