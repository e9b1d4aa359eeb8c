// Streaming isolation forest: 16-value shingles, 25 trees of 128 samples from the last 512 shingles, rebuilt
// every 128 points.
import { calibratedFactory } from '../calibrated/calibrated-detector.js';
import type { DetectorFactory } from '../detector.js';
import { iforestCore, type IForestParams } from './iforest-core.js';

export const iforestParams: IForestParams = {
  shingle: 16,
  window: 512,
  trees: 25,
  sampleSize: 128,
  rebuildEvery: 128,
  minShingles: 64,
  seed: 0x1f0e57,
  memory: 2000,
  recent: 1,
  warmup: 100,
};

const NAME = 'iforest';

export const iforestDetector: DetectorFactory = calibratedFactory(NAME, iforestParams, iforestCore);

export { iforestCore, type IForestParams } from './iforest-core.js';
