// Seasonal robust z-score detector: ensemble member for calendar-seasonal series with outliers.
import { statsDetectorFactory } from '../common/stats-detector.js';
import { SeasonalZModel } from './seasonal-z-model.js';

export const seasonalZDetector = statsDetectorFactory({
  name: 'seasonal-z',
  version: 1,
  gated: true,
  create: (context) => SeasonalZModel.create(context),
  restore: (state) => SeasonalZModel.restore(state),
});
