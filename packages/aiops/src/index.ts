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
// Remediation (issue 9): policies map a diagnosis to a guarded action, verified or undone and escalated.
export {
  DiagnosisError,
  parseDiagnosis,
  type Diagnosis,
  type DiagnosisCause,
  type DiagnosisChange,
  type DiagnosisReplica,
  type DiagnosisSignal,
} from './remediation/diagnosis.js';
export type {
  ActionOutcome,
  RemediationPlatform,
  RolloutInfo,
  ServiceState,
} from './remediation/remediation-platform.js';
export {
  PolicyError,
  defaultPolicies,
  parsePolicies,
  type DefaultPoliciesOptions,
  type PolicyAction,
  type RemediationMode,
  type RemediationPolicy,
  type RemediationPolicyInput,
} from './remediation/policy.js';
export {
  actionTarget,
  describeAction,
  type ActionType,
  type RemediationAction,
} from './remediation/remediation-action.js';
export type { ActionLimitsOptions, ActionLimitsSnapshot } from './remediation/action-limits.js';
export {
  ProposalNotFoundError,
  RemediationOptionsError,
  RemediationSnapshotError,
  RemediationStoppedError,
} from './remediation/remediation-errors.js';
export type {
  IncidentRemediation,
  RemediationPhase,
  RemediationProposal,
  RemediationState,
  RemediationStep,
} from './remediation/remediation-step.js';
export {
  REMEDIATION_ALERT,
  remediationNotification,
  stepSeverity,
  type RemediationNotificationOptions,
} from './remediation/remediation-notification.js';
export {
  createRemediationEngine,
  type RemediationEngine,
  type RemediationEngineOptions,
  type VerifyResult,
} from './remediation/remediation-engine.js';
// Canary analysis with the production detectors (alongside the runtime's fixed-threshold judge).
export {
  CanaryInputError,
  analyzeCanary,
  type CanaryAnalysis,
  type CanaryAnalysisOptions,
  type CanaryPoint,
  type CanarySignalCheck,
  type CanarySignalInput,
  type CanaryVerdict,
  type WorseSide,
} from './canary/canary-analysis.js';
export type { LiveSeriesSnapshot } from './live/live-series.js';
// Incidents (issue 9): correlation of anomalies, log events, alerts and changes; lifecycle and timeline.
export {
  DEPLOY_CHANGES,
  RESPONDING_ORIGINS,
  signalService,
  symptomKey,
  type AlertSignal,
  type AlertSignalData,
  type AnomalySignal,
  type AnomalySignalData,
  type ChangeSignal,
  type ChangeType,
  type LogSignal,
  type Signal,
  type SymptomSignal,
} from './incidents/signal.js';
export type {
  Incident,
  IncidentAction,
  IncidentChange,
  IncidentSeverity,
  IncidentStatus,
  IncidentSymptom,
  TimelineEntry,
  TimelineKind,
} from './incidents/incident.js';
export {
  createIncidentManager,
  isWeakSymptom,
  type ActionInput,
  type CorrelationGraph,
  type IncidentManager,
  type IncidentManagerOptions,
  type IncidentManagerSnapshot,
  type IncidentOptions,
} from './incidents/incident-manager.js';
export { incidentJson, type IncidentJson } from './incidents/incident-json.js';
export { signalSummary } from './incidents/signal-summary.js';
export {
  IncidentSignalError,
  IncidentSnapshotError,
  UnknownIncidentError,
} from './incidents/incident-errors.js';
// Root-cause localisation (issue 9): ranked (service, kind) candidates with evidence.
export { localiseRootCauses } from './rca/localise-root-causes.js';
export { RcaInputError } from './rca/rca-errors.js';
export { ROOT_CAUSE_KINDS, type RootCause, type RootCauseKind } from './rca/rca-types.js';
export {
  DEFAULT_RCA_OPTIONS,
  type RcaEdge,
  type RcaGraph,
  type RcaInput,
  type RcaNode,
  type RcaOptions,
  type SeriesFetcher,
  type SeriesPoint,
} from './rca/rca-types.js';
export { keywordClasses, type KeywordClass } from './rca/keyword-classes.js';
