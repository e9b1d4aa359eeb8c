export { baseConfigSchema, loadConfig, ConfigError, EXIT_CONFIG, type BaseConfig } from './config.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, HTTP_DURATION_BUCKETS, type MetricsOptions, type ServiceMetrics } from './metrics.js';
export {
  histogramOn,
  counterOn,
  gaugeOn,
  type GaugeSpec,
  type HistogramSpec,
  type MetricSpec,
} from './metric-factories.js';
export { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from './openmetrics-text.js';
export { prefersOpenMetrics } from './metrics-format.js';
export { sampledSpanExemplar } from './tracing/exemplar-labels.js';
export { createReadiness, type Readiness, type ReadinessCheck, type CheckResult } from './health.js';
export { ProblemError, PROBLEM_CONTENT_TYPE, type ProblemErrorOptions } from './problem.js';
export { toProblemError, sendProblem, installProblemHandlers, instancePath } from './error-handler.js';
export { parseInput, toFieldErrors, type InputLocation } from './validate.js';
export { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
export { createService, type Service, type ServiceContext, type ServiceOptions } from './service.js';
export { runService } from './run-service.js';
export { HTTP2_PREFACE, type Http2Handler } from './http2-cleartext.js';
export {
  loadIdentity,
  readIdentityFiles,
  parseIdentity,
  IdentityError,
  type IdentityFiles,
  type ServiceIdentity,
} from './identity/load-identity.js';
export {
  watchIdentity,
  type IdentitySource,
  type IdentityWatcher,
  type IdentityWatcherOptions,
} from './identity/identity-watcher.js';
export { watchIdentityFromConfig } from './identity/identity-from-config.js';
export {
  peerServiceOf,
  serviceUri,
  SPIFFE_TRUST_DOMAIN,
  type CertificateLike,
} from './identity/peer-service.js';
// Test support (needs the dev dependency @peculiar/x509, loaded only when called).
export {
  createTestCertificateAuthority,
  writeTestIdentityDir,
  type TestCertificateAuthority,
  type TestIdentityFiles,
  type TestLeaf,
  type TestLeafOptions,
} from './identity/test-ca.js';
export type { Resolver } from './discovery/resolver.js';
export { createRoundRobin, type Balancer } from './discovery/round-robin.js';
export {
  DEFAULT_WEIGHT,
  weightOf,
  LoadBalancingConfigError,
  type LoadBalancer,
  type Lease,
  type RequestOutcome,
} from './discovery/load-balancer.js';
export { createWeightedRoundRobin } from './discovery/weighted-round-robin.js';
export {
  createLeastOutstanding,
  type LeastOutstandingBalancer,
  type LeastOutstandingOptions,
} from './discovery/least-outstanding.js';
export {
  createOutlierDetector,
  withOutlierEjection,
  type EjectionEvent,
  type OutlierDetector,
  type OutlierDetectorOptions,
  type OutlierEjectionHooks,
} from './discovery/outlier-detector.js';
export {
  createBalancer,
  parseLoadBalancing,
  loadBalancingFromEnv,
  loadBalancingSchema,
  loadBalancingEnvSchema,
  outlierDetectionSchema,
  type BalancerDependencies,
  type LoadBalancing,
  type LoadBalancingEnv,
  type ResolvedLoadBalancing,
} from './discovery/load-balancing.js';
export {
  createRegistryResolver,
  type RegistryResolverOptions,
} from './discovery/adapters/registry-resolver.js';
export { createStaticResolver, parseStaticEndpoints } from './discovery/adapters/static-resolver.js';
export { createResolverFromConfig } from './discovery/adapters/resolver-from-config.js';
export { systemClock, createManualClock, type Clock, type ManualClock, type TimerHandle } from './clock.js';
export { isProcessAlive, tryPidLock, type PidLock } from './pid-lock.js';
export { createSeededRandom } from './seeded-random.js';
export {
  createTracing,
  currentTracing,
  type Tracing,
  type TracingOptions,
} from './tracing/create-tracing.js';
export {
  tracingFromConfig,
  tracesEndpoint,
  samplerFromConfig,
  type TracingConfig,
  type TracingIdentity,
} from './tracing/tracing-from-config.js';
export { installHttpServerTracing, requestTraceContext } from './tracing/http-server.js';
export { tracingInterceptor, type TracingInterceptorOptions } from './tracing/http-client.js';
export { traceDependencyCall } from './tracing/dependency-call.js';
export {
  traceHeaders,
  contextFromHeaders,
  hasTraceparent,
  fetchHeadersGetter,
} from './tracing/propagation.js';
export { traceLogFields } from './tracing/log-fields.js';
export { SEMCONV } from './tracing/semconv.js';
export {
  createTracingErrorReporter,
  type TracingErrorReporter,
  type TracingErrorReporterOptions,
} from './tracing/error-reporter.js';
// Test support: tracing into memory.
export { createTestTracing, type TestTracing } from './tracing/test-tracing.js';
// The OpenTelemetry API, for the packages that instrument their own code paths (one dependency, here).
export {
  trace,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  ROOT_CONTEXT,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
// Fault injection (chaos): the registry, the points and the fault endpoint's types.
export {
  faultPoint,
  faultActive,
  currentFaultRegistry,
  setCurrentFaultRegistry,
} from './faults/current-fault-registry.js';
export {
  createFaultRegistry,
  type FaultRegistry,
  type FaultRegistryOptions,
  type FaultEvent,
  type FaultRemovalReason,
} from './faults/fault-registry.js';
export {
  FaultInjectedError,
  isFaultInjectedError,
  failureOf,
  type FaultInjectedErrorOptions,
} from './faults/fault-injected-error.js';
export { FaultSpecError, parseFaultSpec, type FaultSpecIssue } from './faults/parse-fault-spec.js';
export {
  FAULT_TOKEN_ENV,
  FAULT_POINTS,
  PROCESS_POINT,
  FAULT_HTTP_STATUSES,
  FAULT_GRPC_CODES,
  LATENCY_DISTRIBUTIONS,
  MAX_FAULT_LATENCY_MS,
  MAX_FAULT_DURATION_MS,
  DEFAULT_MEMORY_LEAK_MAX_MB,
  dependencyPoint,
  faultSpecSchema,
  faultPointSchema,
  latencyParamsSchema,
  errorsParamsSchema,
  hangParamsSchema,
  cpuParamsSchema,
  memoryParamsSchema,
  crashParamsSchema,
  stallParamsSchema,
  type FaultSpec,
  type ParsedFaultSpec,
  type LastingFaultSpec,
  type FaultKind,
  type ActiveFault,
  type FaultList,
  type FaultGrpcCode,
  type FaultHttpStatus,
  type LatencyParams,
  type ErrorsParams,
  type HangParams,
  type CpuParams,
  type MemoryParams,
  type CrashParams,
} from './faults/fault-spec.js';
export { sampleLatency, PARETO_SHAPE } from './faults/latency-distribution.js';
export { FAULTS_PATH } from './faults/fault-endpoint.js';
export { FAULTS_ACTIVE_METRIC } from './faults/fault-metrics.js';
export type { ProcessEffect, ProcessEffectContext, ProcessEffects } from './faults/process-effect.js';
