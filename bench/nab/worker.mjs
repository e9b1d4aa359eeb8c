// A bench worker: loads the corpus once, then runs (detector, file) jobs: one fresh detector per file fed
// row by row, its results file written in NAB's layout, its scores, the CPU time of the update calls and the
// size of its final snapshot (JSON) sent back.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { detectorByName } from '../../packages/aiops/dist/detectors/registry.js';
import { loadNabCorpus } from '../../packages/aiops/dist/nab/nab-corpus.js';
import { formatResultsCsv, resultsFilePath } from '../../packages/aiops/dist/nab/nab-results-files.js';
import { nabContext } from '../../packages/aiops/dist/nab/nab-run-detector.js';
import { threadCpuNs } from './thread-cpu.mjs';

const corpus = loadNabCorpus({ root: workerData.nabRoot });
const files = new Map(corpus.files.map((f) => [f.path, f]));

function run(job) {
  const file = files.get(job.path);
  const factory = detectorByName(job.detector);
  const detector = factory.create(nabContext(file, { live: job.live }));
  const { timesMs, values } = file;
  const scores = new Float64Array(file.rowCount);
  const t0 = threadCpuNs();
  for (let i = 0; i < scores.length; i += 1) scores[i] = detector.update(timesMs[i], values[i]);
  const cpuNs = Number(threadCpuNs() - t0);
  // The state a live series would carry at this point (the memory goal), outside the timed loop.
  const snapshotBytes = Buffer.byteLength(JSON.stringify(detector.snapshot()));
  for (let i = 0; i < scores.length; i += 1) {
    if (!(scores[i] >= 0 && scores[i] <= 1)) {
      throw new Error(`${job.detector}: ${file.path} row ${i + 1}: score ${scores[i]} is outside [0, 1]`);
    }
  }
  const path = join(job.dir, resultsFilePath(job.runName, file));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatResultsCsv(file, scores));
  return { scores, cpuNs, snapshotBytes };
}

parentPort.on('message', (job) => {
  try {
    const { scores, cpuNs, snapshotBytes } = run(job);
    parentPort.postMessage({ id: job.id, scores, cpuNs, snapshotBytes }, [scores.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: error instanceof Error ? error.stack : String(error) });
  }
});
parentPort.postMessage({ ready: true });
