export {
  systemSpecSchema,
  serviceSpecSchema,
  httpProbeSchema,
  startOrder,
  type SystemSpec,
  type ServiceSpec,
  type HttpProbe,
} from './spec/schema.js';
export { pipelineSpecSchema, type PipelineSpec, type SmokeCheck } from './spec/pipeline-schema.js';
export {
  backupsSpecSchema,
  budgetSpecSchema,
  scheduleSpecSchema,
  serviceBackupSchema,
  type BackupsSpec,
  type BudgetSpec,
  type ScheduleSpec,
  type ServiceBackupSpec,
} from './spec/operations-schema.js';
export { specJsonSchema } from './spec/json-schema.js';
export { loadSpec, parseSpec, validateSpec, SpecError, type LoadedSpec } from './spec/load-spec.js';
export {
  createRuntime,
  AlreadyRunningError,
  type Runtime,
  type RuntimeOptions,
  type StartResult,
} from './runtime.js';
export type { RuntimeEvent, EventListener } from './events.js';
export { diffSpecs, describeChange, ApplyError, type ServiceChange } from './reconcile/spec-diff.js';
export {
  planRollout,
  impossibleRollout,
  type RolloutPlan,
  type RolloutTarget,
} from './reconcile/plan-rollout.js';
export { templateRevision } from './reconcile/service-controller.js';
export type { RolloutStatus, RolloutActionName } from './reconcile/rollout-status.js';
export type { ProgressStatus, AnalysisRecord } from './reconcile/progressive-rollout.js';
export type { RolloutOutcome } from './reconcile/service-controller.js';
export {
  judgeCanary,
  type Judgement,
  type JudgeOptions,
  type Check,
  type Verdict,
} from './analysis/judge-canary.js';
export { fisherGreaterPValue, mannWhitneyGreater } from './analysis/statistics.js';
export { trafficSampleOf, type TrafficSample } from './analysis/traffic-sample.js';
export type { LogStream } from './logs/log-sink.js';
export { RestartBackoff, type BackoffOptions } from './supervisor/backoff.js';
export { ProbeTracker, type ProbeThresholds } from './supervisor/probe-tracker.js';
export { EndpointRegistry } from './registry/registry.js';
export {
  readStateFile,
  writeStateFile,
  stateFilePath,
  isProcessAlive,
  runtimeStateSchema,
  type RuntimeState,
} from './state-file.js';
export {
  createAutoscaler,
  autoscalingSpecSchema,
  type Autoscaler,
  type Decision,
} from './autoscale/autoscaler.js';
export { createAutoscalingLoop, type AutoscalingLoop } from './autoscale/autoscaling-loop.js';
export { createReplicaWindow, type ReplicaWindow, type ReplicaMetrics } from './metrics/replica-window.js';
export { parsePrometheusText, PrometheusTextError, type MetricFamily } from '@opsloop/telemetry';
