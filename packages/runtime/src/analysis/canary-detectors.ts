import { detectorByName, type CanaryAnalysisOptions } from '@opsloop/aiops';
import type { SystemSpec } from '../spec/schema.js';

/**
 * Canary analysis by the detectors runs what live detection runs: its detector, threshold and warm-up. The
 * baseline state it starts from is live detection's, which only the same detector can continue.
 */
export function canaryDetectors(
  detection: SystemSpec['runtime']['aiops']['detection'],
): CanaryAnalysisOptions {
  return {
    detector: detectorByName(detection.detector),
    threshold: detection.threshold,
    warmupPoints: detection.warmupPoints,
  };
}
