// Generates docs/errors.md from the problem catalogue of @opsloop/contracts (build it first: `npx tsc -b`).
//
//   node scripts/gen-errors-doc.mjs          writes docs/errors.md
//   node scripts/gen-errors-doc.mjs --check  exits 1 if docs/errors.md is out of date
//
// packages/contracts/src/problem-types.test.ts fails when the file and the catalogue drift apart.
import { readFile, writeFile } from 'node:fs/promises';
import { listProblemTypes, renderErrorsDoc } from '../packages/contracts/dist/index.js';

const target = new URL('../docs/errors.md', import.meta.url);
const expected = renderErrorsDoc(listProblemTypes());

if (process.argv.includes('--check')) {
  const actual = await readFile(target, 'utf8').catch(() => '');
  if (actual !== expected) {
    process.stderr.write('docs/errors.md is out of date: run node scripts/gen-errors-doc.mjs\n');
    process.exit(1);
  }
} else {
  await writeFile(target, expected);
  process.stdout.write(`wrote docs/errors.md (${listProblemTypes().length} problem types)\n`);
}
