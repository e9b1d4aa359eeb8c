export { windowedGaussianDetector } from './windowed-gaussian.js';
