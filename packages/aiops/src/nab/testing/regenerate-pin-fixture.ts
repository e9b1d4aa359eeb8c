// Regenerates the pin test's fixture: the baseline over the corpus into a results folder, then the reference
// scorer over it. Run from the repo root when the baseline or the corpus changes (never to make a test pass):
//   npx vite-node packages/aiops/src/nab/testing/regenerate-pin-fixture.ts -- /tmp/nab-pin
//   python3 /work/shared/tools/nabscore.py /tmp/nab-pin/windowed-gaussian --json \
//     > packages/aiops/src/nab/testing/windowed-gaussian.nabscore.json
import { loadNabCorpus } from '../nab-corpus.js';
import { runBaseline, writeResults } from './write-baseline-results.js';

const out = process.argv.slice(2).find((a) => a !== '--') ?? '/tmp/nab-pin';
const corpus = loadNabCorpus();
console.log(writeResults(corpus, runBaseline(corpus), out));
