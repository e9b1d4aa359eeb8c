// Relative Entropy (Wang et al. 2011) with NAB's settings: 5 bins, a 52-point window, 1 % false rejection.
import type { DetectorFactory } from '../detector.js';
import { RelativeEntropyDetector, type RelativeEntropyParams } from './relative-entropy-detector.js';

export const relativeEntropyParams: RelativeEntropyParams = {
  bins: 5,
  window: 52,
  falseRejection: 0.01,
  rareCount: 1,
  maxHypotheses: 100,
  growthMargin: 0.25,
};

const NAME = 'relative-entropy';

export const relativeEntropyDetector: DetectorFactory = {
  name: NAME,
  create: (context) => RelativeEntropyDetector.create(NAME, relativeEntropyParams, context),
  restore: (snapshot) => RelativeEntropyDetector.restore(NAME, relativeEntropyParams, snapshot),
};

export { RelativeEntropyDetector, type RelativeEntropyParams } from './relative-entropy-detector.js';
