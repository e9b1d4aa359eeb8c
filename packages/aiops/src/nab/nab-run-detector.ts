import type { DetectorContext, DetectorFactory } from '../detectors/detector.js';
import type { NabFile } from './nab-corpus.js';

/** How NAB runs a detector: told each file's min/max (NAB mode) or told nothing (live mode). */
export interface RunDetectorOptions {
  readonly live?: boolean;
}

/** NAB's context for a file: the min and max of its finite values; empty in live mode. */
export function nabContext(file: Pick<NabFile, 'values'>, options: RunDetectorOptions = {}): DetectorContext {
  if (options.live === true) return {};
  let min = Infinity;
  let max = -Infinity;
  for (const v of file.values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { inputMin: min, inputMax: max } : {};
}

/** Streams a file through a fresh detector, one row at a time: one anomaly score per row. */
export function runDetectorOnFile(
  factory: DetectorFactory,
  file: Pick<NabFile, 'values' | 'timesMs'>,
  options: RunDetectorOptions = {},
): Float64Array {
  const detector = factory.create(nabContext(file, options));
  const scores = new Float64Array(file.values.length);
  for (let i = 0; i < scores.length; i += 1) scores[i] = detector.update(file.timesMs[i]!, file.values[i]!);
  return scores;
}
