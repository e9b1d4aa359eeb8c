// The telemetry package: shared data model, exposition formats, stores, query engines and adapters.
export {
  METRIC_NAME_LABEL,
  anchoredRegex,
  labelsKey,
  matchesAll,
  matchesValue,
  normalizeLabels,
  type LabelMatcher,
  type Labels,
  type MatchType,
} from './model/labels.js';
export { STALE_NAN, isStaleNaN } from './model/stale-nan.js';
export {
  OutOfOrderSampleError,
  type SampleAppender,
  type SeriesQuerier,
  type SeriesSamples,
} from './model/series-store.js';
export { histogramQuantile, type CumulativeBucket } from './model/histogram-quantile.js';
export {
  PrometheusTextError,
  formatPrometheusFloat,
  parsePrometheusFloat,
  parsePrometheusText,
  renderPrometheusText,
  type MetricFamily,
  type MetricType,
  type Sample,
  type SampleExemplar,
} from './exposition/prometheus-text.js';
export { OpenMetricsTextError, parseOpenMetricsText } from './exposition/openmetrics-text.js';
export { parseExposition } from './exposition/parse-exposition.js';
export {
  DEFAULT_MAX_EXEMPLARS,
  createExemplarStore,
  type ExemplarAppendResult,
  type ExemplarAppender,
  type ExemplarQuerier,
  type ExemplarStore,
  type ExemplarStoreOptions,
} from './exemplars/exemplar-store.js';
export type { Exemplar, ExemplarSeries } from './exemplars/exemplar.js';
export { queryExemplars } from './exemplars/query-exemplars.js';
export {
  MetricsQueryError,
  type InstantSample,
  type MetricsErrorKind,
  type MetricsSource,
  type QueryResult,
  type RangeSeries,
} from './metrics/metrics-source.js';
export {
  createPrometheusMetricsSource,
  type PrometheusMetricsSourceOptions,
} from './metrics/adapters/prometheus-metrics-source.js';
export {
  createRemoteWriteClient,
  encodeRemoteWrite,
  type RemoteWriteClient,
  type RemoteWriteClientOptions,
} from './metrics/remote-write.js';
export {
  createScrapeManager,
  type ScrapeManager,
  type ScrapeManagerOptions,
} from './scrape/scrape-manager.js';
export {
  SCRAPE_ACCEPT,
  createHttpScrapeFetch,
  type HttpScrapeFetchOptions,
} from './scrape/http-scrape-fetch.js';
export type { ScrapeBody, ScrapeFetch, ScrapeTarget, TargetHealth } from './scrape/scrape-target.js';
export { createTsdb } from './tsdb/tsdb.js';
export {
  TsdbClosedError,
  TsdbLockedError,
  type SeriesRef,
  type Tsdb,
  type TsdbOptions,
  type TsdbStats,
} from './tsdb/tsdb-options.js';
export { OutOfBoundsSampleError, UnknownSeriesRefError } from './tsdb/head.js';
export { EmptySelectorError } from './tsdb/postings.js';
export { CorruptBlockError } from './tsdb/block-reader.js';
export { benchIngest, type BenchIngestOptions, type BenchIngestResult } from './tsdb/bench-ingest.js';
export {
  createPromqlEngine,
  type PromqlEngine,
  type PromqlEngineOptions,
  type QueryOptions as PromqlQueryOptions,
} from './promql/engine.js';
export {
  PromqlError,
  PromqlExecutionError,
  PromqlParseError,
  type PositionRange,
  type PromqlErrorType,
} from './promql/errors.js';
export { parsePromql, parseSeriesSelector } from './promql/parse.js';
export { exprType, type Expr, type ValueType } from './promql/ast.js';
export type {
  QueryResult as PromqlQueryResult,
  MatrixResultSeries,
  VectorResultSample,
} from './promql/result.js';
export { MemoryQuerier, type MemorySeriesInput } from './promql/memory-querier.js';
export {
  PROMETHEUS_COMPATIBLE_VERSION,
  formatQueryResult,
  prometheusApiPlugin,
  type PrometheusApiOptions,
} from './promql/http-api.js';
export {
  createEmbeddedMetricsSource,
  type EmbeddedMetricsSourceOptions,
} from './metrics/embedded-metrics-source.js';
export {
  DEFAULT_LOG_LIMIT,
  type LabeledLogEntry,
  type LogAppendEntry,
  type LogAppender,
  type LogDirection,
  type LogEntry,
  type LogMetricInstantOptions,
  type LogMetricPoint,
  type LogMetricRangeOptions,
  type LogMetricSample,
  type LogMetricSeries,
  type LogQueryOptions,
  type LogSource,
  type LogStream,
  type LogTailOptions,
  type LogTimeRange,
  type TimestampNs,
  type TraceLogsOptions,
} from './logs/log-source.js';
export { createLogStore, type LogStore, type LogStoreOptions, type LogStoreStats } from './logs/log-store.js';
export { InvalidLogEntryError, checkLogEntry } from './logs/log-entry.js';
export { normalizeLevel, type LogLevel } from './logs/log-line.js';
export { InvalidTimestampError, parseTimestampNs } from './logs/log-time.js';
export { parseLogql, parseStreamSelector } from './logs/logql-parser.js';
export { LogqlParseError, type SourceSpan } from './logs/logql-parse-error.js';
export { LogQueryLimitError } from './logs/logql-engine.js';
export { createLokiLogSource, type LokiLogSourceOptions } from './logs/adapters/loki-log-source.js';
export type { LokiFetch, LokiHttpOptions } from './logs/adapters/loki-http.js';
export {
  LogSourceUnavailableError,
  LokiRequestError,
  LokiResponseError,
} from './logs/adapters/loki-errors.js';
export type { LogqlExpr, LogQueryExpr, MetricExpr, PipelineStage, LabelFilter } from './logs/logql-ast.js';
export {
  LOKI_BAD_PUSH_TYPE,
  LOKI_BAD_QUERY_TYPE,
  lokiApiPlugin,
  type LokiApiOptions,
} from './logs/loki-api.js';
export {
  GOLDEN_SIGNAL_NAMES,
  goldenSignalFleetQueries,
  goldenSignalQueries,
  goldenSignalQuery,
  goldenSignalRecordingRules,
  serviceHealthRules,
  type FleetQueryOptions,
  type GoldenSignalName,
  type GoldenSignalQuery,
  type SignalKind,
  type SignalUnit,
} from './alerting/golden-signals.js';
export { sloSchema, slosSchema, type Slo, type SloInput } from './alerting/slo-schema.js';
export { SLO_BURN_ALERT, sloRuleGroup, sloRuleGroups, sloErrorBudget } from './alerting/slo-rules.js';
export {
  isAlertingRule,
  type AlertingRule,
  type RecordingRule,
  type Rule,
  type RuleGroup,
} from './alerting/rule-types.js';
export { renderRuleFile, validateRuleGroups } from './alerting/rule-file.js';
export { createRuleEvaluator } from './alerting/rule-evaluator.js';
export type {
  RuleEvaluator,
  RuleEvaluatorOptions,
  RuleGroupStatus,
  RuleHealth,
  RuleStatus,
} from './alerting/rule-evaluator-types.js';
export type { AlertState, PostableAlert, RuleAlert } from './alerting/alert-types.js';
export { createAlertNotifier } from './alerting/alert-notifier.js';
export type {
  AlertNotifier,
  AlertNotifierOptions,
  NotifierAlert,
  NotifierStats,
} from './alerting/alert-notifier-types.js';
export {
  notifierConfigSchema,
  parseNotifierConfig,
  NotifierConfigError,
  type NotifierConfig,
  type NotifierConfigInput,
} from './alerting/notifier-config.js';
export {
  SilenceError,
  SilenceExpiredError,
  SilenceNotFoundError,
  SILENCE_RETENTION_MS,
  type Silence,
  type SilenceInput,
  type SilenceStore,
  type StoredSilence,
} from './alerting/silences.js';
export {
  createPersistentSilenceStore,
  SilenceFileError,
  type PersistentSilenceStoreOptions,
} from './alerting/silence-file.js';
export { silencesApiPlugin, type SilencesApiOptions } from './alerting/silences-api.js';
export {
  FOR_GRACE_PERIOD_MS,
  FOR_OUTAGE_TOLERANCE_MS,
  type ForStateRestoreOptions,
} from './alerting/for-state-restore.js';
export type { WebhookAlert, WebhookPayload } from './alerting/webhook-payload.js';
export { GO_ZERO_TIME, buildWebhookPayload, type PayloadAlert } from './alerting/webhook-payload.js';
export { alertFingerprint } from './alerting/alert-fingerprint.js';
export {
  observabilityInputSchema,
  observabilityRuleGroups,
  renderObservabilityAssets,
  type ObservabilityInput,
} from './alerting/observability-assets.js';
export {
  UNKNOWN_SERVICE,
  SERVICE_NAME_ATTRIBUTE,
  serviceOf,
  attributeText,
  byStartTime,
  nanosToMs,
  msToNanos,
  spanDurationMs,
  type AttributeValue,
  type Attributes,
  type InstrumentationScope,
  type SpanEvent,
  type SpanKind,
  type SpanLink,
  type SpanStatus,
  type SpanStatusCode,
  type TraceSpan,
} from './traces/span.js';
export type {
  AppendResult,
  DependencyEdge,
  DependencyGraph,
  DependencyNode,
  DependencyQuery,
  TraceQuery,
  TraceSink,
  TraceSource,
  TraceSummary,
} from './traces/trace-source.js';
export {
  createTraceStore,
  type TraceStore,
  type TraceStoreOptions,
  type TraceStoreStats,
} from './traces/trace-store.js';
export { traceApiPlugin, type TraceApiOptions } from './traces/trace-api.js';
export {
  OTLP_BAD_REQUEST_TYPE,
  OtlpBadRequestError,
  receiveOtlp,
  type OtlpFormat,
  type OtlpReceived,
  type OtlpRequest,
} from './traces/otlp-receiver.js';
export { OtlpDecodeError, type OtlpDecodeResult } from './traces/otlp-common.js';
export { decodeOtlpProtobuf } from './traces/otlp-proto-decoder.js';
export { decodeOtlpJson } from './traces/otlp-json-decoder.js';
export { dependencyGraph } from './traces/dependency-graph.js';
export { spanFacts, summarizeTrace, type SpanFacts } from './traces/span-facts.js';
export {
  createTempoTraceSource,
  type TempoTraceSourceOptions,
} from './traces/adapters/tempo-trace-source.js';
export {
  createJaegerTraceSource,
  type JaegerTraceSourceOptions,
} from './traces/adapters/jaeger-trace-source.js';
export { TraceBackendError, type BackendHttpOptions, type FetchFn } from './traces/adapters/http-json.js';
export {
  TELEMETRY_INGEST_ROUTES,
  TELEMETRY_OPERATOR_ROUTES,
  createTelemetryBackend,
  type TelemetryBackend,
  type TelemetryBackendOptions,
} from './backend/telemetry-backend.js';
export { rulesApiPlugin } from './alerting/rules-api.js';
