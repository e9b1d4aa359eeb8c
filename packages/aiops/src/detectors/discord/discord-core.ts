// Matrix-profile discord detector: a point is as anomalous as the subsequence it completes is far from every
// earlier subsequence in the bounded history (its left matrix-profile value), calibrated and reported once
// per odd stretch by the shared wrapper.
import type { CalibratedCore } from '../calibrated/calibrated-detector.js';
import type { SurpriseParams } from '../calibrated/surprise.js';
import {
  LeftMatrixProfile,
  emptyLeftMatrixProfile,
  type LeftMatrixProfileParams,
  type LeftMatrixProfileState,
} from './left-matrix-profile.js';

export interface DiscordParams extends LeftMatrixProfileParams, SurpriseParams {}

export const discordCore: CalibratedCore<DiscordParams, LeftMatrixProfileState> = {
  stateKey: 'profile',
  version: 1,
  empty: () => emptyLeftMatrixProfile(),
  open: (params, state) => new LeftMatrixProfile(params, state),
  parse(raw, params, check) {
    const p = check.object(raw, 'profile');
    const values = check.numbers(p.values, 'values');
    if (values.length > params.history + params.length) check.fail('too many values');
    return {
      offset: check.finite(p.offset, 'offset'),
      values,
      dots: check.numbers(p.dots, 'dots'),
      sinceRecentre: check.integer(p.sinceRecentre, 'sinceRecentre', 0),
    };
  },
  // Every subsequence overlapping an odd one is far from the rest too: an anomaly stays in view `length` points.
  echoSpan: (params) => params.length,
};
