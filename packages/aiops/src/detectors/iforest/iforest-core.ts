// Streaming isolation-forest detector: the isolation score of each new shingle against a forest of the recent
// past, calibrated against the series' own scores and reported once per odd stretch by the shared wrapper.
import type { CalibratedCore } from '../calibrated/calibrated-detector.js';
import type { SurpriseParams } from '../calibrated/surprise.js';
import {
  SlidingForest,
  emptySlidingForest,
  type SlidingForestParams,
  type SlidingForestState,
} from './sliding-forest.js';

export interface IForestParams extends SlidingForestParams, SurpriseParams {}

export const iforestCore: CalibratedCore<IForestParams, SlidingForestState> = {
  stateKey: 'forest',
  version: 1,
  empty: (params) => emptySlidingForest(params.seed),
  open: (params, state) => new SlidingForest(params, state),
  parse(raw, params, check) {
    const f = check.object(raw, 'forest');
    const values = check.numbers(f.values, 'forest values');
    if (values.length > params.window + params.shingle - 1 + params.rebuildEvery)
      check.fail('too many values');
    return {
      values,
      pushed: check.integer(f.pushed, 'pushed', 0),
      builtAt: check.integer(f.builtAt, 'builtAt', -1),
      rngBefore: check.integer(f.rngBefore, 'rngBefore', 0),
      rngAfter: check.integer(f.rngAfter, 'rngAfter', 0),
    };
  },
  // An odd value stays in `shingle` shingles.
  echoSpan: (params) => params.shingle,
};
