/**
 * @opsloop/loadgen — user journeys against the shop's gateway, in an open or closed model, with
 * per-endpoint latency percentiles, error classes and business outcomes. See README.md.
 */
export { runLoad, type JourneyCounts, type LoadReport, type RunLoadOptions } from './run-load.js';
export {
  DEFAULT_DURATION_SECONDS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_TIMEOUT_MS,
  LoadOptionsError,
  MAX_CLIENTS,
  mixEntries,
  parseLoadOptions,
  parseMix,
  runLoadOptionsSchema,
  type ParsedLoadOptions,
} from './options.js';
export {
  DEFAULT_MIX,
  ENDPOINTS,
  ENDPOINT_ORDER,
  JOURNEY_NAMES,
  JOURNEYS,
  JourneyStop,
  SessionPool,
  type Answer,
  type JourneyContext,
  type JourneyName,
  type Session,
  type Step,
} from './journeys.js';
export {
  classifyFailure,
  createHttpClient,
  ERROR_CLASSES,
  type ErrorClass,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResult,
} from './http-client.js';
export {
  HISTOGRAM_RELATIVE_ERROR,
  LatencyHistogram,
  percentileRank,
  type LatencySummary,
} from './histogram.js';
export { createRandom, deriveSeed, type Random } from './random.js';
export { Recorder, type EndpointReport, type RequestRecord } from './recorder.js';
export { assertTargetAllowed, isLoopbackUrl, RemoteTargetError } from './target.js';
export { formatReport } from './report.js';
export { runCli, main, CLI_DEFAULTS, EXIT_INTERRUPTED, EXIT_USAGE, USAGE, type CliIo } from './cli.js';
