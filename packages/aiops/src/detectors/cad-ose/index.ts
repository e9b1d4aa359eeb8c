// CAD OSE (Contextual Anomaly Detector, open source edition, M. Smirnov), NAB's "contextOSE" detector.
import { CAD_OSE_PARAMS, makeCadOseFactory } from './cad-ose-detector.js';

export const cadOseDetector = makeCadOseFactory('cad-ose', CAD_OSE_PARAMS);
export { CAD_OSE_PARAMS, makeCadOseFactory } from './cad-ose-detector.js';
