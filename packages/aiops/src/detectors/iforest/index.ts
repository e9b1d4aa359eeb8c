// Streaming isolation forest: 16-value shingles, 25 trees of 128 samples from the last 512 shingles, rebuilt
// every 128 points.
import type { DetectorFactory } from '../detector.js';
import { IForestDetector, type IForestParams } from './iforest-detector.js';

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

export const iforestDetector: DetectorFactory = {
  name: NAME,
  create: () => IForestDetector.create(NAME, iforestParams),
  restore: (snapshot) => IForestDetector.restore(NAME, iforestParams, snapshot),
};

export { IForestDetector, type IForestParams } from './iforest-detector.js';
