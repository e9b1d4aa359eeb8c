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
export {
  DEFAULT_DETECTOR,
  DETECTORS,
  UnknownDetectorError,
  defaultDetector,
  detectorByName,
} from './detectors/registry.js';
export { opsloopDetector, OPSLOOP_PARAMS, type EnsembleParams } from './detectors/ensemble/index.js';
export {
  artimeDetector,
  createArtimeFactory,
  type ArtimeContext,
  type ArtimeOptions,
} from './detectors/artime/index.js';
export { cadOseDetector } from './detectors/cad-ose/index.js';
export { knnCadDetector } from './detectors/knn-cad/index.js';
export { relativeEntropyDetector } from './detectors/relative-entropy/index.js';
export { holtWintersDetector } from './detectors/stats/holt-winters/index.js';
export { seasonalZDetector } from './detectors/stats/seasonal-z/index.js';
export { changePointDetector } from './detectors/stats/change-point/index.js';
export { spectralResidualDetector } from './detectors/stats/spectral-residual/index.js';
export { iforestDetector } from './detectors/iforest/index.js';
export { discordDetector } from './detectors/discord/index.js';
export { windowedGaussianDetector } from './detectors/baseline/index.js';
// The NAB harness: corpus, NAB's scorer (pinned to the reference), results files.
export {
  loadNabCorpus,
  type LoadNabCorpusOptions,
  type NabCorpus,
  type NabFile,
  type NabLabelledFile,
  type NabLabels,
  type NabWindow,
} from './nab/nab-corpus.js';
export { resolveNabRoot } from './nab/nab-root.js';
export {
  scoreNab,
  type NabProfileScore,
  type NabReport,
  type NabScores,
  type ScoreNabOptions,
} from './nab/nab-score.js';
export { NAB_PROFILE_ORDER, type NabCostMatrix, type NabProfiles } from './nab/nab-profiles.js';
export { formatResultsCsv, resultsFilePath, windowLabels } from './nab/nab-results-files.js';
export { nabContext, runDetectorOnFile, type RunDetectorOptions } from './nab/nab-run-detector.js';
// Live detection: the ensemble on every service's golden signals, anomaly events and alerts.
export type { AnomalyDirection, AnomalyEvent, LiveSeriesStatus, LiveSignal } from './live/anomaly-event.js';
export { ANOMALY_ALERT, anomalyAlert } from './live/anomaly-alerts.js';
export {
  LIVE_THRESHOLD,
  createLiveDetection,
  type AnomalyEventFilter,
  type LiveDetection,
  type LiveDetectionOptions,
} from './live/live-detection.js';
export { StateFileError, gzipJsonFile, type GzipJsonFile } from './live/gzip-json-file.js';
export { createLiveStateFile, type LiveState, type LiveStateStore } from './live/live-state-file.js';
export { DEFAULT_LIVE_SIGNALS, goldenLiveSignals, logTemplateRateSignal } from './live/live-signals.js';
export { formatSignalValue } from './live/signal-value.js';
// Log template mining (issue 8): a streaming miner, header formats, JSON lines, accuracy metrics.
export {
  MinerSnapshotError,
  TemplateMiner,
  type EvictedTemplate,
  type MineResult,
  type MinerStats,
  type TemplateChange,
  type TemplateInfo,
  type TemplateMinerOptions,
  type TemplateMinerSnapshot,
} from './logs/template-miner.js';
export {
  LogFormatError,
  compileLogFormat,
  type LogLineParser,
  type ParsedLogLine,
} from './logs/log-format.js';
export { DEFAULT_MESSAGE_KEYS, parseJsonLogLine, type JsonLogLine } from './logs/json-line.js';
export { MaskPatternError, WILDCARD, compileMaskPatterns, maskToken } from './logs/masking.js';
export { templateAccuracy, type TemplateAccuracy } from './logs/template-accuracy.js';
export { templateParameters } from './logs/parameters.js';
export { csvField } from './logs/loghub/csv.js';
// Log intelligence on the live platform: templates per service, new templates, error bursts.
export {
  LogInsights,
  type LogEvent,
  type LogInsightsOptions,
  type LogInsightsSnapshot,
  type LogTemplateCounter,
  type TemplateSummary,
} from './logs/insights/log-insights.js';
export { type LogLevel } from './logs/insights/log-level.js';
