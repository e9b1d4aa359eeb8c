// Holt-Winters residual detector: ensemble member scoring one-step forecast surprises.
import { statsDetectorFactory } from '../common/stats-detector.js';
import { HoltWintersModel } from './holt-winters-model.js';

export const holtWintersDetector = statsDetectorFactory({
  name: 'holt-winters',
  version: 1,
  gated: true,
  create: (context) => HoltWintersModel.create(context),
  restore: (state) => HoltWintersModel.restore(state),
});
