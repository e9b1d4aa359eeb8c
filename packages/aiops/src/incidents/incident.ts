/** An incident as the manager keeps it: plain JSON data (docs/aiops.md, "Incidents and root cause"). */
import type { RootCause } from '../rca/rca-types.js';
import type { ChangeSignal, SymptomSignal } from './signal.js';

/** Where an incident is in its life. */
export type IncidentStatus = 'open' | 'mitigating' | 'resolved' | 'escalated';

/** How bad it is: critical when users see it (errors at an entry service, a critical alert). */
export type IncidentSeverity = 'critical' | 'warning' | 'info';

/** The kinds of timeline entries. */
export type TimelineKind = 'signal' | 'change' | 'diagnosis' | 'action' | 'verification' | 'status' | 'note';

/** One timeline entry; repeats of one symptom are one entry with a count. */
export interface TimelineEntry {
  readonly atMs: number;
  readonly kind: TimelineKind;
  readonly summary: string;
  readonly data?: unknown;
  /** How many times it happened (symptom repeats folded in). */
  readonly count?: number;
  /** The last repeat. */
  readonly lastAtMs?: number;
  /** The deduplication key of a symptom entry. */
  readonly key?: string;
}

/** A remediation action as recorded. */
export interface IncidentAction {
  readonly type: string;
  readonly target: string;
  readonly atMs: number;
  /** `pending`, `succeeded`, `failed`, `verified`, … */
  readonly result: string;
  readonly detail?: string;
}

/** One deduplicated symptom of an incident: a series, an alert, a log template. */
export interface IncidentSymptom {
  readonly key: string;
  readonly type: SymptomSignal['type'];
  readonly service?: string;
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly count: number;
  /** Firing now (an anomaly episode or an alert); log events are never active. */
  readonly active: boolean;
  readonly summary: string;
  /** The most telling signal of the key (an anomaly's peak, the latest alert or log event). */
  readonly signal: SymptomSignal;
}

/** One incident. */
export interface Incident {
  readonly id: string;
  readonly openedAtMs: number;
  /** When its symptoms ended (or remediation verified it); null while not resolved. */
  readonly resolvedAtMs: number | null;
  readonly status: IncidentStatus;
  /** Resolution verified by remediation. */
  readonly verified: boolean;
  readonly severity: IncidentSeverity;
  /** Services with symptoms, in the order they joined. */
  readonly services: readonly string[];
  readonly lastActivityMs: number;
  readonly symptoms: readonly IncidentSymptom[];
  /** Changes and lifecycle events attached as context. */
  readonly changes: readonly ChangeSignal[];
  readonly traceIds: readonly string[];
  readonly rootCauses: readonly RootCause[];
  readonly actions: readonly IncidentAction[];
  readonly timeline: readonly TimelineEntry[];
  /** Ids of incidents merged into this one. */
  readonly mergedFrom: readonly string[];
  readonly escalationReason?: string;
}

/** What {@link IncidentManager.ingest} and the lifecycle methods changed. */
export interface IncidentChange {
  readonly type: 'opened' | 'updated' | 'resolved' | 'reopened' | 'merged';
  readonly incident: Incident;
  /** For `merged`: the id that disappeared into `incident`. */
  readonly mergedId?: string;
}
