// `npm run bench:loghub` (after `tsc -b`): the template miner over the 16 Loghub-2k data sets, each with its
// settings.json header format and masking regexes and otherwise the same (default) miner options.
//
// Writes <out>/loghub/<Dataset>.csv (LineId,EventTemplate: the final template of each line), scores grouping
// (GA) and parsing (PA) accuracy against the corrected ground truth (the default) and the original one, checks
// the scores once with shared/tools/loghub_score.py when python3 is there, measures lines/s on one core over a
// 1 M-line log made by repeating Loghub lines with their numbers varied, prints one table and writes
// <out>/loghub.json.
//
// Env: LOGHUB_ROOT (the data, default ../shared/datasets/loghub), BENCH_LOGHUB_OUT (default bench/results;
// use a temp folder when trying things), BENCH_LOGHUB_LINES (throughput log size, 1000000; 0 skips it),
// BENCH_LOGHUB_REFERENCE (1; 0 skips the loghub_score.py check), LOGHUB_SCORE (the reference scorer's path).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { csvField } from '../../packages/aiops/dist/logs/loghub/csv.js';
import {
  LOGHUB_DATASETS,
  loadLoghubLines,
  loadLoghubSettings,
  loadLoghubTruth,
  resolveLoghubRoot,
} from '../../packages/aiops/dist/logs/loghub/loghub-data.js';
import { templateAccuracy } from '../../packages/aiops/dist/logs/template-accuracy.js';
import { mineDataset } from './mine-dataset.mjs';
import { measureThroughput } from './throughput.mjs';

const root = new URL('../../', import.meta.url).pathname;
const out = resolve(process.env.BENCH_LOGHUB_OUT ?? join(root, 'bench/results'));
const throughputLines = Number(process.env.BENCH_LOGHUB_LINES ?? 1_000_000);
const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const round = (x, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

let dataRoot;
try {
  dataRoot = resolveLoghubRoot();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const settings = loadLoghubSettings(dataRoot);
const names = process.env.BENCH_LOGHUB_DATASETS
  ? process.env.BENCH_LOGHUB_DATASETS.split(',').map((s) => s.trim())
  : LOGHUB_DATASETS;
const dir = join(out, 'loghub');
mkdirSync(dir, { recursive: true });

const results = {};
for (const name of names) {
  const lines = loadLoghubLines(dataRoot, name);
  const { templates, labels, stats } = mineDataset(lines, settings.get(name));
  const csv = ['LineId,EventTemplate', ...templates.map((t, i) => `${i + 1},${csvField(t)}`)].join('\n');
  writeFileSync(join(dir, `${name}.csv`), `${csv}\n`);
  const corrected = templateAccuracy(loadLoghubTruth(dataRoot, name, 'corrected'), templates, labels);
  const original = templateAccuracy(loadLoghubTruth(dataRoot, name, 'original'), templates, labels);
  results[name] = { corrected, original, templates: stats.templates };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const avg = (gt, metric) => mean(names.map((n) => results[n][gt][metric]));

// Cross-check with the reference scorer (same files, same definitions).
let referenceCheck = 'skipped (python3 or loghub_score.py missing, or BENCH_LOGHUB_REFERENCE=0)';
const scorer = process.env.LOGHUB_SCORE ?? join(dataRoot, '../../tools/loghub_score.py');
let python = true;
try {
  execFileSync('python3', ['--version'], { stdio: 'ignore' });
} catch {
  python = false;
}
if (process.env.BENCH_LOGHUB_REFERENCE !== '0' && python && existsSync(scorer)) {
  const problems = [];
  for (const gt of ['corrected', 'original']) {
    const json = join(dir, `.reference-${gt}.json`);
    try {
      execFileSync(
        'python3',
        [scorer, dir, '--data', dataRoot, '--gt', gt, '--datasets', names.join(','), '--json', json],
        { stdio: 'ignore' },
      );
      const ref = JSON.parse(readFileSync(json, 'utf8'));
      rmSync(json);
      for (const n of names) {
        for (const [m, key] of [
          ['ga', 'GA'],
          ['pa', 'PA'],
        ]) {
          if (Math.abs(ref[n][key] - results[n][gt][m]) > 1e-12) problems.push(`${n} ${gt} ${m}`);
        }
      }
    } catch (error) {
      problems.push(`${gt}: ${error.message.split('\n')[0]}`);
    }
  }
  referenceCheck =
    problems.length === 0
      ? `loghub_score.py agrees on GA and PA for ${names.length} data sets, both ground truths`
      : `loghub_score.py DISAGREES: ${problems.join('; ')}`;
}

let throughput;
if (throughputLines > 0) {
  log(`throughput: ${throughputLines} lines, one core`);
  throughput = measureThroughput(dataRoot, settings, names, throughputLines);
}

const result = {
  datasets: Object.fromEntries(
    names.map((n) => [n, { ga: round(results[n].corrected.ga), pa: round(results[n].corrected.pa) }]),
  ),
  avgGa: round(avg('corrected', 'ga')),
  avgPa: round(avg('corrected', 'pa')),
  linesPerSecond: throughput?.linesPerSecond ?? null,
  original: {
    datasets: Object.fromEntries(
      names.map((n) => [n, { ga: round(results[n].original.ga), pa: round(results[n].original.pa) }]),
    ),
    avgGa: round(avg('original', 'ga')),
    avgPa: round(avg('original', 'pa')),
  },
  details: {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('../..', import.meta.url) })
      .toString()
      .trim(),
    machine: `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    data: dataRoot,
    groundTruth: 'corrected = Khan et al. ICSE 2022 (<Name>_2k.log_structured.csv); original = Loghub-2k',
    templates: Object.fromEntries(names.map((n) => [n, results[n].templates])),
    throughput: throughput ?? 'skipped',
    referenceCheck,
  },
};
mkdirSync(dirname(join(out, 'loghub.json')), { recursive: true });
writeFileSync(join(out, 'loghub.json'), `${JSON.stringify(result, null, 2)}\n`);

const cell = (x, w = 8) => String(x).padStart(w);
const f = (x) => x.toFixed(4);
const rows = [
  `${'dataset'.padEnd(12)}${cell('GA corr')}${cell('PA corr')}${cell('GA orig')}${cell('PA orig')}${cell('#tpl', 6)}`,
];
for (const n of names) {
  const r = results[n];
  rows.push(
    `${n.padEnd(12)}${cell(f(r.corrected.ga))}${cell(f(r.corrected.pa))}${cell(f(r.original.ga))}${cell(f(r.original.pa))}${cell(r.templates, 6)}`,
  );
}
rows.push(
  `${'average'.padEnd(12)}${cell(f(avg('corrected', 'ga')))}${cell(f(avg('corrected', 'pa')))}${cell(f(avg('original', 'ga')))}${cell(f(avg('original', 'pa')))}`,
);
console.log(rows.join('\n'));
if (throughput)
  console.log(`throughput: ${throughput.linesPerSecond} lines/s (${throughput.lines} lines, one core)`);
log(`reference check: ${referenceCheck}`);
log(`wrote ${join(out, 'loghub.json')}`);
if (referenceCheck.includes('DISAGREES')) process.exitCode = 1;
