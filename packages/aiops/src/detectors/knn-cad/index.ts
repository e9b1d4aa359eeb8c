// KNN-CAD (conformal k-nearest-neighbour anomaly detection, Burnaev & Ishimtsev), as run by NAB.
import { KNN_CAD_PARAMS, makeKnnCadFactory } from './knn-cad-detector.js';

export const knnCadDetector = makeKnnCadFactory('knn-cad', KNN_CAD_PARAMS);
export { KNN_CAD_PARAMS, makeKnnCadFactory } from './knn-cad-detector.js';
