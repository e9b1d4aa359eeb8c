// Shapes of the incident, remediation and anomaly answers of the control API, as the runtime sends them:
// incidents are packages/aiops/src/incidents/incident-json.ts (snake_case), proposals are the remediation
// engine's with ISO times added (packages/runtime/src/observe/incident-watch.ts), anomalies are AnomalyEvent
// (packages/aiops/src/live/anomaly-event.ts, times in ms).

export type IncidentStatus = 'open' | 'mitigating' | 'resolved' | 'escalated';
/** The `status` filter of `GET /v1/incidents` (`active`: every status but resolved). */
export type IncidentFilter = IncidentStatus | 'active';
export type IncidentSeverity = 'critical' | 'warning' | 'info';
export type TimelineKind = 'signal' | 'change' | 'diagnosis' | 'action' | 'verification' | 'status' | 'note';
export type RootCauseKind = 'change' | 'saturation' | 'dependency' | 'traffic' | 'failure';

export interface RootCauseJson {
  service: string;
  kind: RootCauseKind;
  /** 0..1; the scores of one ranking sum to at most 1. */
  score: number;
  /** Reasons, strongest first. */
  evidence: string[];
}

export interface IncidentActionJson {
  type: string;
  target: string;
  at: string;
  result: string;
  detail?: string;
}

export interface TimelineEntryJson {
  at: string;
  kind: TimelineKind;
  summary: string;
  /** How many times it repeated, up to `last_at`. */
  count?: number;
  last_at?: string;
  data?: unknown;
}

export interface IncidentSignalJson {
  key: string;
  type: string;
  service?: string;
  first_at: string;
  last_at: string;
  count: number;
  active: boolean;
  summary: string;
}

export interface IncidentChangeJson {
  at: string;
  service?: string;
  change: string;
  detail: string;
  flag?: string;
}

/** `GET /v1/incidents/<id>` (and each item of `GET /v1/incidents`). */
export interface IncidentJson {
  id: string;
  opened_at: string;
  resolved_at: string | null;
  status: IncidentStatus;
  verified: boolean;
  severity: IncidentSeverity;
  services: string[];
  root_causes: RootCauseJson[];
  actions: IncidentActionJson[];
  timeline: TimelineEntryJson[];
  signals: IncidentSignalJson[];
  changes: IncidentChangeJson[];
  merged_from: string[];
  escalation_reason?: string;
}

/** `GET /v1/incidents`. */
export interface IncidentList {
  incidents: IncidentJson[];
}

/** A concrete remediation action (packages/aiops/src/remediation/remediation-action.ts). */
export type RemediationAction =
  | { type: 'rollback'; service: string; revision?: string; toRevision?: string }
  | { type: 'flag-off'; service: string; flag: string; variant: string; fromVariant?: string }
  | { type: 'restart' | 'replace'; service: string; replica: string }
  | { type: 'rolling-restart'; service: string }
  | { type: 'scale-out'; service: string; from: number; to: number }
  | { type: 'shed-load'; service: string; requestsPerSecond: number }
  | { type: 'open-circuit'; service: string; callers: string[]; durationMs: number }
  | { type: 'failover'; service: string; to: string };

/** One item of `GET /v1/remediation/proposals`: an action waiting for a person. */
export interface RemediationProposal {
  id: string;
  incidentId: string;
  action: RemediationAction;
  /** `orders`, `orders/orders-2`, `flag new-pricing`. */
  target: string;
  policy: string;
  reason: string;
  proposedAtMs: number;
  expiresAtMs: number;
  proposedAt: string;
  expiresAt: string;
}

export interface ProposalList {
  proposals: RemediationProposal[];
}

/** One anomaly episode (`GET /v1/anomalies`). */
export interface AnomalyEvent {
  id: string;
  service: string;
  signal: string;
  kind: string;
  unit: string;
  labels: Record<string, string>;
  query: string;
  state: 'firing' | 'resolved';
  startsAtMs: number;
  lastAnomalousAtMs: number;
  endsAtMs?: number;
  score: number;
  atMs: number;
  value: number;
  expected: number;
  expectedLow: number;
  expectedHigh: number;
  direction: 'above' | 'below';
  detector: string;
}

export interface AnomalyList {
  anomalies: AnomalyEvent[];
}
