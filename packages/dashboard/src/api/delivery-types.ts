// Shapes of the control API's delivery answers (rollouts, releases, flags, chaos), as the runtime sends them:
// mirrored from packages/runtime/src/reconcile/rollout-status.ts, progressive-rollout.ts, release-run.ts,
// packages/flags/src/flag-store.ts and packages/chaos/src/{fault-catalogue,injection}.ts (the dashboard may
// not import those packages: the API is the contract).
import type { RuntimeEventRecord } from './types.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One comparison of a canary analysis; `detector-*` checks come from the production anomaly detectors. */
export interface AnalysisCheck {
  name: 'requests' | 'success-rate' | 'latency-p99' | 'detector-errors' | 'detector-latency' | (string & {});
  verdict: Verdict;
  baseline: number | null;
  canary: number | null;
  pValue?: number;
  detail: string;
}

/** One verdict of a rollout's analysis. */
export interface AnalysisRecord {
  at: string;
  weight: number;
  verdict: Verdict;
  baselineRequests: number;
  canaryRequests: number;
  checks: AnalysisCheck[];
}

/** A running blue-green or canary rollout. */
export interface ProgressStatus {
  strategy: 'BlueGreen' | 'Canary';
  stableRevision: string;
  newRevision: string;
  /** Share of new requests the new revision gets now, %. */
  weight: number;
  /** The step being run, 1-based; `steps + 1` = promotion. Blue-green: 1 step (preview). */
  step: number;
  steps: number;
  phase: 'starting' | 'analysing' | 'waiting-for-promotion' | 'promoting' | 'paused';
  fastTrack: boolean;
  /** Oldest first (the last 20). */
  analyses: AnalysisRecord[];
  message?: string;
}

/** `GET /v1/services/{service}/rollout`. */
export interface RolloutStatus {
  service: string;
  /** RollingUpdate, BlueGreen or Canary. */
  strategy: string;
  revision: string;
  stableRevision: string;
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  paused: boolean;
  complete: boolean;
  progress?: ProgressStatus;
  lastOutcome?: {
    result: 'promoted' | 'aborted';
    revision: string;
    other: string;
    at: string;
    reason?: string;
  };
  preview?: { discovery: string; url: string | null; endpoints: string[] };
  history: { revision: string; at: string; cause: string }[];
}

/** What `POST /v1/services/{service}/rollout/{action}` accepts. */
export type RolloutAction = 'pause' | 'resume' | 'undo' | 'restart' | 'promote' | 'promote-full' | 'abort';

/** One release group's latest release (`GET /v1/releases` → `{ releases }`). */
export interface ReleaseStatus {
  group: string;
  phase: 'rolling' | 'complete' | 'rolling-back' | 'rolled-back';
  startedAt: string;
  finishedAt?: string;
  message?: string;
  members: {
    service: string;
    from: string;
    to: string | null;
    state: 'pending' | 'rolling' | 'complete' | 'failed' | 'rolled-back';
  }[];
}

/** `GET /v1/events`. */
export interface EventsAnswer {
  events: RuntimeEventRecord[];
  last: number;
}

/** A flag as written in the flagd document. */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
}

/** `GET /v1/flags`: the flagd document and its version. */
export interface FlagsSnapshot {
  resourceVersion: number;
  document: {
    $schema?: string;
    flags: Record<string, FlagdFlag>;
    $evaluators?: Record<string, unknown>;
    metadata?: Record<string, string | number | boolean>;
  };
}

/** The body of `PATCH /v1/flags/{key}` (at least one field). */
export interface FlagPatch {
  defaultVariant?: string;
  state?: 'ENABLED' | 'DISABLED';
}

/** A fault parameter as `GET /v1/chaos/faults` lists it. */
export interface FaultParamInfo {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean';
  description: string;
  default?: string | number | boolean;
  required: boolean;
  /** Inclusive bounds as text (`1..600000`). */
  range?: string;
  /** Allowed values (numbers for numeric enumerations such as an HTTP status). */
  values?: (string | number)[];
  pattern?: string;
}

/** One entry of the fault catalogue (`GET /v1/chaos/faults` → `{ faults }`). */
export interface FaultInfo {
  name: string;
  summary: string;
  scope: 'replica' | 'service';
  mechanism: 'replica-endpoint' | 'runtime';
  operation?: string;
  /** 0 = until cleared. */
  defaultDurationMs: number;
  /** Happens at once (a crash): takes no duration. */
  instant: boolean;
  expectedCause: { service: string; kind: string };
  params: FaultParamInfo[];
}

/** An injection (`GET /v1/chaos/injections` → `{ injections }`, newest first). */
export interface Injection {
  id: string;
  fault: string;
  target: string;
  replica?: string;
  params: Record<string, string | number | boolean>;
  durationMs: number;
  startedAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  status: 'active' | 'ended' | 'cleared' | 'failed';
  replicas: string[];
  errors?: string[];
}

/** The body of `POST /v1/chaos/injections`. */
export interface InjectBody {
  fault: string;
  target: string;
  replica?: string;
  params: Record<string, string | number | boolean>;
  durationSeconds?: number;
}
