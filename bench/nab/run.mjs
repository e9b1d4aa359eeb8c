// `npm run bench:nab` (after `tsc -b`): every detector of the registry over the NAB corpus as NAB runs them
// (each file's min/max given, one row at a time, a fresh detector per file), on worker threads.
//
// Writes <out>/nab/<detector>/<category>/<detector>_<file>.csv (timestamp,value,anomaly_score,label), scores
// each detector with the TypeScript port of NAB's scorer (corpus-wide optimised thresholds, three profiles),
// measures points/s (CPU time of the `update` calls of one thread), re-runs the best detector (by standard)
// in live mode (no min/max; folder <detector>-live), checks every folder with the reference scorer
// (nabscore.py) when python3 is there, prints one table and writes <out>/nab.json.
//
// Env: BENCH_DETECTORS=a,b (a subset, by name), BENCH_NAB_OUT (default bench/results; use a temp folder when
// trying things), BENCH_NAB_WORKERS (2), BENCH_NAB_REFERENCE (1; 0 skips the nabscore.py check),
// NAB_ROOT (the corpus, default ../shared/datasets/nab), NABSCORE (the reference scorer's path).
import { execSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DETECTORS, detectorByName } from '../../packages/aiops/dist/detectors/registry.js';
import { loadNabCorpus } from '../../packages/aiops/dist/nab/nab-corpus.js';
import { resolveNabRoot } from '../../packages/aiops/dist/nab/nab-root.js';
import { scoreNab } from '../../packages/aiops/dist/nab/nab-score.js';
import { checkAgainstReference, findReferenceScorer } from './reference-check.mjs';
import { clockKind } from './thread-cpu.mjs';
import { WorkerPool } from './worker-pool.mjs';

const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];
const root = new URL('../../', import.meta.url).pathname;
const out = resolve(process.env.BENCH_NAB_OUT ?? join(root, 'bench/results'));
const workerCount = Math.max(1, Number(process.env.BENCH_NAB_WORKERS ?? 2));
const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const started = performance.now();
const nabRoot = resolveNabRoot();
const corpus = loadNabCorpus({ root: nabRoot });
const rows = corpus.files.reduce((n, f) => n + f.rowCount, 0);
const detectors = process.env.BENCH_DETECTORS
  ? process.env.BENCH_DETECTORS.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((name) => detectorByName(name))
  : DETECTORS;
// Largest files first, so that the last jobs of a run are short.
const filesBySize = [...corpus.files].sort((a, b) => b.rowCount - a.rowCount);
log(`NAB: ${corpus.files.length} files, ${rows} rows, ${corpus.windowCount} windows; ${workerCount} workers`);
const pool = await WorkerPool.start(workerCount, { nabRoot });

/** Runs one detector over the corpus; resolves to its report, points/s and folder (or an error). */
async function runDetector(name, live) {
  const runName = live ? `${name}-live` : name;
  const dir = join(out, 'nab', runName);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const state = { failed: false };
  const scores = new Map();
  let cpuNs = 0;
  const snapshots = [];
  try {
    await Promise.all(
      filesBySize.map(async (file) => {
        const result = await pool
          .run({ detector: name, path: file.path, live, dir, runName }, () => state.failed)
          .catch((error) => {
            state.failed = true;
            throw error;
          });
        if (result.skipped) return;
        scores.set(file.path, result.scores);
        cpuNs += result.cpuNs;
        snapshots.push(result.snapshotBytes);
      }),
    );
  } catch (error) {
    log(`${runName}: FAILED: ${error.message.split('\n')[0]}`);
    return { name: runName, error: error.message };
  }
  const report = scoreNab(corpus, scores, { detector: runName });
  const pointsPerSecond = Math.round(rows / (cpuNs / 1e9));
  log(`${runName}: standard ${round(report.profiles.standard.normalized)}, ${pointsPerSecond} points/s`);
  const snapshotBytes = {
    max: Math.max(...snapshots),
    mean: Math.round(snapshots.reduce((a, b) => a + b, 0) / snapshots.length),
  };
  return { name: runName, detector: name, dir, report, pointsPerSecond, snapshotBytes };
}

function summary(run) {
  const entry = {};
  for (const p of PROFILES) entry[p] = round(run.report.profiles[p].normalized, 3);
  entry.pointsPerSecond = run.pointsPerSecond;
  entry.snapshotBytes = run.snapshotBytes;
  entry.thresholds = Object.fromEntries(PROFILES.map((p) => [p, run.report.profiles[p].threshold]));
  entry.windowsDetected = Object.fromEntries(
    PROFILES.map((p) => [p, run.report.profiles[p].windowsDetected]),
  );
  return entry;
}

let runs;
let live;
try {
  runs = await Promise.all(detectors.map((d) => runDetector(d.name, false)));
  const scored = runs.filter((r) => r.report !== undefined);
  const best = scored.sort(
    (a, b) => b.report.profiles.standard.normalized - a.report.profiles.standard.normalized,
  )[0];
  live = best === undefined ? undefined : await runDetector(best.detector, true);
} finally {
  await pool.close();
}

const allRuns = [...runs, ...(live ? [live] : [])];
const scoredRuns = allRuns.filter((r) => r.report !== undefined);
const script = process.env.BENCH_NAB_REFERENCE === '0' ? undefined : findReferenceScorer(nabRoot);
let referenceCheck = 'skipped (python3 or nabscore.py missing, or BENCH_NAB_REFERENCE=0)';
let problems = [];
if (script !== undefined) {
  log(`checking ${scoredRuns.length} results folders with ${script}`);
  problems = await checkAgainstReference(script, nabRoot, scoredRuns);
  referenceCheck =
    problems.length === 0
      ? `nabscore.py agrees on all ${scoredRuns.length} folders (thresholds equal, scores within 1e-9)`
      : `nabscore.py DISAGREES: ${problems.join('; ')}`;
}

const failed = allRuns.filter((r) => r.error !== undefined);
const commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
const result = {
  detectors: Object.fromEntries(runs.filter((r) => r.report).map((r) => [r.name, summary(r)])),
  live: live?.report ? { detector: live.detector, ...summary(live) } : null,
  details: {
    date: new Date().toISOString(),
    commit,
    machine: `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    corpus: { files: corpus.files.length, rows, windows: corpus.windowCount },
    scoring: 'TypeScript port of NAB v1.1 scorer (--optimize --score --normalize), corpus-wide thresholds',
    pointsPerSecond: `rows / ${clockKind} of the update calls, one worker thread`,
    snapshotBytes: 'JSON.stringify(detector.snapshot()) at the end of each file: max and mean over the files',
    workers: workerCount,
    referenceCheck,
    failed: Object.fromEntries(failed.map((r) => [r.name, r.error.split('\n')[0]])),
    durationSeconds: round((performance.now() - started) / 1000, 1),
  },
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'nab.json'), `${JSON.stringify(result, null, 2)}\n`);

const cell = (x, w) => String(x).padStart(w);
const lines = [
  `${'detector'.padEnd(28)}${cell('standard', 10)}${cell('low FP', 10)}${cell('low FN', 10)}${cell('points/s', 12)}${cell('state KB', 10)}`,
];
const line = (label, e) =>
  `${label.padEnd(28)}${cell(e.standard.toFixed(1), 10)}${cell(e.reward_low_FP_rate.toFixed(1), 10)}` +
  `${cell(e.reward_low_FN_rate.toFixed(1), 10)}${cell(e.pointsPerSecond, 12)}` +
  `${cell((e.snapshotBytes.max / 1000).toFixed(1), 10)}`;
for (const [name, e] of Object.entries(result.detectors)) lines.push(line(name, e));
if (result.live) lines.push(line(`${result.live.detector} (live)`, result.live));
for (const r of failed) lines.push(`${r.name.padEnd(28)} FAILED: ${r.error.split('\n')[0]}`);
console.log(lines.join('\n'));
log(`reference check: ${referenceCheck}`);
log(`wrote ${join(out, 'nab.json')} in ${result.details.durationSeconds} s`);
if (failed.length > 0 || problems.length > 0) process.exitCode = 1;
