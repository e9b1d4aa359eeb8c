/** The JSON face of an incident (`opsloop incidents -o json`, the control API): snake_case keys, ISO times. */
import type { IncidentJson } from '@opsloop/contracts';
import type { Incident } from './incident.js';

/** One incident as JSON: the shape is the control API's contract (@opsloop/contracts). */
export type { IncidentJson };

const iso = (ms: number) => new Date(ms).toISOString();

/** `incident` as {@link IncidentJson}. */
export function incidentJson(incident: Incident): IncidentJson {
  return {
    id: incident.id,
    opened_at: iso(incident.openedAtMs),
    resolved_at: incident.resolvedAtMs === null ? null : iso(incident.resolvedAtMs),
    status: incident.status,
    verified: incident.verified,
    severity: incident.severity,
    services: [...incident.services],
    root_causes: incident.rootCauses.map((c) => ({
      service: c.service,
      kind: c.kind,
      score: c.score,
      evidence: [...c.evidence],
    })),
    actions: incident.actions.map((a) => ({
      type: a.type,
      target: a.target,
      at: iso(a.atMs),
      result: a.result,
      ...(a.detail === undefined ? {} : { detail: a.detail }),
    })),
    timeline: incident.timeline.map((e) => ({
      at: iso(e.atMs),
      kind: e.kind,
      summary: e.summary,
      ...(e.count === undefined ? {} : { count: e.count }),
      ...(e.lastAtMs === undefined ? {} : { last_at: iso(e.lastAtMs) }),
      ...(e.data === undefined ? {} : { data: e.data }),
    })),
    signals: incident.symptoms.map((s) => ({
      key: s.key,
      type: s.type,
      ...(s.service === undefined ? {} : { service: s.service }),
      first_at: iso(s.firstAtMs),
      last_at: iso(s.lastAtMs),
      count: s.count,
      active: s.active,
      summary: s.summary,
    })),
    changes: incident.changes.map((c) => ({
      at: iso(c.atMs),
      ...(c.service === undefined ? {} : { service: c.service }),
      change: c.change,
      detail: c.detail,
      ...(c.flag === undefined ? {} : { flag: c.flag }),
    })),
    merged_from: [...incident.mergedFrom],
    ...(incident.escalationReason === undefined ? {} : { escalation_reason: incident.escalationReason }),
  };
}
