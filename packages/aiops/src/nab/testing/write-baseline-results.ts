// The pin test's baseline run and its results files (regenerate-pin-fixture.ts says how to refresh the fixture).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { windowedGaussianDetector } from '../../detectors/baseline/index.js';
import type { NabCorpus } from '../nab-corpus.js';
import { formatResultsCsv, resultsFilePath } from '../nab-results-files.js';
import { runDetectorOnFile } from '../nab-run-detector.js';

/** Runs the baseline over every file of the corpus: anomaly scores by file path. */
export function runBaseline(corpus: NabCorpus): Map<string, Float64Array> {
  return new Map(corpus.files.map((f) => [f.path, runDetectorOnFile(windowedGaussianDetector, f)]));
}

/** Writes NAB results files for the given scores under `<out>/<detector>/`. */
export function writeResults(corpus: NabCorpus, scores: Map<string, Float64Array>, out: string): string {
  const dir = join(out, windowedGaussianDetector.name);
  rmSync(dir, { recursive: true, force: true });
  for (const file of corpus.files) {
    const path = join(dir, resultsFilePath(windowedGaussianDetector.name, file));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatResultsCsv(file, scores.get(file.path)!));
  }
  return dir;
}
