// Spectral residual detector (Ren et al., KDD 2019): ensemble member for local, shape-level surprises.
import { statsDetectorFactory } from '../common/stats-detector.js';
import { SpectralResidualModel } from './spectral-residual-model.js';

export const spectralResidualDetector = statsDetectorFactory({
  name: 'spectral-residual',
  version: 1,
  gated: true,
  create: (context) => SpectralResidualModel.create(context),
  restore: (state) => SpectralResidualModel.restore(state),
});
