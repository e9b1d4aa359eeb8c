// The opsloop detector: an ensemble of CAD OSE, ARTime and Relative Entropy (see opsloop-detector.ts).
import { OPSLOOP_PARAMS } from './ensemble-params.js';
import { makeOpsloopFactory } from './opsloop-detector.js';

export const opsloopDetector = makeOpsloopFactory('opsloop', OPSLOOP_PARAMS);
export { OPSLOOP_PARAMS, type EnsembleParams } from './ensemble-params.js';
export { makeOpsloopFactory } from './opsloop-detector.js';
