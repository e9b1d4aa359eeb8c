// The control API's incident answers (`GET /v1/incidents`, `GET /v1/incidents/{id}`, `opsloop incidents -o json`)
// and remediation proposals (`GET /v1/remediation/proposals`): snake_case keys and ISO times for incidents.
// Built by @opsloop/aiops and the runtime, read by the CLI and the dashboard.

export type IncidentStatus = 'open' | 'mitigating' | 'resolved' | 'escalated';
export type IncidentSeverity = 'critical' | 'warning' | 'info';
export type IncidentTimelineKind =
  'signal' | 'change' | 'diagnosis' | 'action' | 'verification' | 'status' | 'note';
export type RootCauseKind = 'change' | 'saturation' | 'dependency' | 'traffic' | 'failure';

/** One ranked root cause. */
export interface RootCauseJson {
  readonly service: string;
  readonly kind: RootCauseKind;
  /** 0..1; the scores of one ranking sum to at most 1. */
  readonly score: number;
  /** Reasons, strongest first. */
  readonly evidence: readonly string[];
}

/** An action taken on the incident (remediation, a person). */
export interface IncidentActionJson {
  readonly type: string;
  readonly target: string;
  readonly at: string;
  readonly result: string;
  readonly detail?: string;
}

export interface TimelineEntryJson {
  readonly at: string;
  readonly kind: IncidentTimelineKind;
  readonly summary: string;
  /** How many times it repeated, up to `last_at`. */
  readonly count?: number;
  readonly last_at?: string;
  readonly data?: unknown;
}

export interface IncidentSignalJson {
  readonly key: string;
  readonly type: string;
  readonly service?: string;
  readonly first_at: string;
  readonly last_at: string;
  readonly count: number;
  readonly active: boolean;
  readonly summary: string;
}

export interface IncidentChangeJson {
  readonly at: string;
  readonly service?: string;
  readonly change: string;
  readonly detail: string;
  readonly flag?: string;
}

/** One incident as JSON (read-only: @opsloop/aiops builds it as such). */
export interface IncidentJson {
  readonly id: string;
  readonly opened_at: string;
  readonly resolved_at: string | null;
  readonly status: IncidentStatus;
  readonly verified: boolean;
  readonly severity: IncidentSeverity;
  readonly services: readonly string[];
  readonly root_causes: readonly RootCauseJson[];
  readonly actions: readonly IncidentActionJson[];
  readonly timeline: readonly TimelineEntryJson[];
  readonly signals: readonly IncidentSignalJson[];
  readonly changes: readonly IncidentChangeJson[];
  readonly merged_from: readonly string[];
  readonly escalation_reason?: string;
}

/**
 * A concrete remediation action. Read-only like the engine's own actions, which the runtime sends as they are.
 */
export type RemediationActionJson =
  | {
      readonly type: 'rollback';
      readonly service: string;
      readonly revision?: string;
      readonly toRevision?: string;
    }
  | {
      readonly type: 'flag-off';
      readonly service: string;
      readonly flag: string;
      readonly variant: string;
      readonly fromVariant?: string;
    }
  | { readonly type: 'restart' | 'replace'; readonly service: string; readonly replica: string }
  | { readonly type: 'rolling-restart'; readonly service: string }
  | { readonly type: 'scale-out'; readonly service: string; readonly from: number; readonly to: number }
  | { readonly type: 'shed-load'; readonly service: string; readonly requestsPerSecond: number }
  | {
      readonly type: 'open-circuit';
      readonly service: string;
      readonly callers: readonly string[];
      readonly durationMs: number;
    }
  | { readonly type: 'failover'; readonly service: string; readonly to: string };

/** A remediation action waiting for a person (suggest mode): the engine's proposal with ISO times added. */
export interface RemediationProposalJson {
  id: string;
  incidentId: string;
  action: RemediationActionJson;
  /** `orders`, `orders/orders-2`, `flag new-pricing`. */
  target: string;
  policy: string;
  reason: string;
  proposedAtMs: number;
  expiresAtMs: number;
  proposedAt: string;
  expiresAt: string;
}
