// The AIOps package: streaming anomaly detectors (more to come: log mining, incidents, RCA, remediation).
export {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorContext,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from './detectors/detector.js';
