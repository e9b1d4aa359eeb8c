// Shapes of the incident, remediation and anomaly answers of the control API. Incidents and remediation
// proposals come from @opsloop/contracts (shared with the runtime); the list wrappers are the routes'
// (packages/runtime/src/control-api/aiops-routes.ts); anomalies are AnomalyEvent
// (packages/aiops/src/live/anomaly-event.ts, times in ms).
import type { IncidentJson, IncidentStatus, RemediationProposalJson } from '@opsloop/contracts';

/** The `status` filter of `GET /v1/incidents` (`active`: every status but resolved). */
export type IncidentFilter = IncidentStatus | 'active';

/** `GET /v1/incidents`. */
export interface IncidentList {
  incidents: IncidentJson[];
}

export interface ProposalList {
  proposals: RemediationProposalJson[];
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
