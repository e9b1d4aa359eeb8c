// Change-point detector (CUSUM with re-learning): ensemble member for level shifts and drifts.
import { statsDetectorFactory } from '../common/stats-detector.js';
import { CusumModel } from './cusum-model.js';

export const changePointDetector = statsDetectorFactory({
  name: 'change-point',
  version: 1,
  gated: true,
  create: (context) => CusumModel.create(context),
  restore: (state) => CusumModel.restore(state),
});
