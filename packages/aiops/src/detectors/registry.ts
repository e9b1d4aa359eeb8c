// Every detector the platform ships, by name: the NAB bench runs them all, `opsloop detect --detector` picks one.
import { artimeDetector } from './artime/index.js';
import { windowedGaussianDetector } from './baseline/index.js';
import { cadOseDetector } from './cad-ose/index.js';
import { discordDetector } from './discord/index.js';
import { opsloopDetector } from './ensemble/index.js';
import { iforestDetector } from './iforest/index.js';
import { knnCadDetector } from './knn-cad/index.js';
import { relativeEntropyDetector } from './relative-entropy/index.js';
import { changePointDetector } from './stats/change-point/index.js';
import { holtWintersDetector } from './stats/holt-winters/index.js';
import { seasonalZDetector } from './stats/seasonal-z/index.js';
import { spectralResidualDetector } from './stats/spectral-residual/index.js';
import type { DetectorFactory } from './detector.js';

/** The detectors, each with a unique `name`. */
export const DETECTORS: readonly DetectorFactory[] = [
  opsloopDetector,
  artimeDetector,
  cadOseDetector,
  knnCadDetector,
  relativeEntropyDetector,
  holtWintersDetector,
  seasonalZDetector,
  changePointDetector,
  spectralResidualDetector,
  iforestDetector,
  discordDetector,
  windowedGaussianDetector,
];

/** A name no detector in {@link DETECTORS} has. */
export class UnknownDetectorError extends Error {
  override readonly name = 'UnknownDetectorError';
}

/** The detector called `name`; throws {@link UnknownDetectorError} (listing the known names) otherwise. */
export function detectorByName(
  name: string,
  detectors: readonly DetectorFactory[] = DETECTORS,
): DetectorFactory {
  const found = detectors.find((d) => d.name === name);
  if (found === undefined) {
    throw new UnknownDetectorError(
      `unknown detector "${name}" (known: ${detectors.map((d) => d.name).join(', ')})`,
    );
  }
  return found;
}

/** The name of the detector `opsloop detect` and live detection use unless told otherwise: the ensemble. */
export const DEFAULT_DETECTOR = 'opsloop';

/** The default detector ({@link DEFAULT_DETECTOR}), or the first one while the ensemble is not registered. */
export function defaultDetector(detectors: readonly DetectorFactory[] = DETECTORS): DetectorFactory {
  return detectors.find((d) => d.name === DEFAULT_DETECTOR) ?? detectors[0]!;
}
