// The control API's answers about rollouts and releases (`GET /v1/services/{service}/rollout`,
// `POST /v1/services/{service}/rollout/{action}`, `GET /v1/releases`). The runtime builds them and the CLI and
// the dashboard read them: one definition, so a change on either side fails the type-check of the other.

/** A canary analysis verdict, and the verdict of each of its checks. */
export type RolloutVerdict = 'pass' | 'fail' | 'inconclusive';

/** `detector-*`: the production anomaly detectors' checks, besides the statistical tests'. */
export type AnalysisCheckName =
  'requests' | 'success-rate' | 'latency-p99' | 'detector-errors' | 'detector-latency';

/** One comparison of a canary analysis, with its numbers. */
export interface AnalysisCheck {
  name: AnalysisCheckName;
  verdict: RolloutVerdict;
  baseline: number | null;
  canary: number | null;
  /** One-sided p-value of "the canary is worse", where a test was run. */
  pValue?: number;
  detail: string;
}

/** One verdict of a rollout's analysis. */
export interface AnalysisRecord {
  at: string;
  weight: number;
  verdict: RolloutVerdict;
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
  /** A rollback or undo: no steps or analysis. */
  fastTrack: boolean;
  /** Oldest first (the last few). */
  analyses: AnalysisRecord[];
  message?: string;
}

/** How the last blue-green or canary rollout of a service ended. */
export interface RolloutOutcomeStatus {
  result: 'promoted' | 'aborted';
  /** The revision that serves now. */
  revision: string;
  /** Promoted: the revision replaced; aborted: the revision rolled back. */
  other: string;
  at: string;
  reason?: string;
}

/** A service's rollout (`GET /v1/services/{service}/rollout`, `opsloop rollout status`). */
export interface RolloutStatus {
  service: string;
  /** RollingUpdate, BlueGreen or Canary. */
  strategy: string;
  revision: string;
  /** The revision serving all traffic outside a blue-green or canary rollout. */
  stableRevision: string;
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  paused: boolean;
  /** Every replica runs the desired revision and is ready. */
  complete: boolean;
  progress?: ProgressStatus;
  lastOutcome?: RolloutOutcomeStatus;
  /** Where the preview revision answers (`<service>.preview` in discovery). */
  preview?: { discovery: string; url: string | null; endpoints: string[] };
  history: { revision: string; at: string; cause: string }[];
}

/** What `POST /v1/services/{service}/rollout/{action}` (and `opsloop rollout <action>`) accepts. */
export type RolloutActionName =
  'pause' | 'resume' | 'undo' | 'restart' | 'promote' | 'promote-full' | 'abort';

export type ReleaseMemberState = 'pending' | 'rolling' | 'complete' | 'failed' | 'rolled-back';

/** One release group's latest release (`GET /v1/releases` → `{ releases }`, `opsloop releases`). */
export interface ReleaseStatus {
  group: string;
  phase: 'rolling' | 'complete' | 'rolling-back' | 'rolled-back';
  startedAt: string;
  finishedAt?: string;
  message?: string;
  members: { service: string; from: string; to: string | null; state: ReleaseMemberState }[];
}
