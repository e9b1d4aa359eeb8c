import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatDuration, formatTable } from '../format.js';

/** Options of the `opsloop incidents` commands. */
export interface IncidentsOptions {
  file: string;
  stateDir?: string;
  output: 'table' | 'json';
  status?: string;
  limit?: number;
}

/** An incident as the control API returns it (`opsloop incidents -o json` prints these). */
export interface IncidentInfo {
  id: string;
  opened_at: string;
  resolved_at: string | null;
  status: string;
  services?: string[];
  severity?: string;
  title?: string;
  root_causes: { service: string; kind: string; score: number; evidence?: string[] }[];
  actions: { type: string; target: string; at: string; result: string; detail?: string }[];
  timeline?: { at: string; kind: string; summary: string }[];
}

/** A remediation proposal waiting for a person (suggest mode). */
interface ProposalInfo {
  id: string;
  incidentId?: string;
  incident?: string;
  action: string | { type: string };
  target: string;
  reason?: string;
  proposedAt?: string;
  expiresAt?: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const time = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** `opsloop incidents`: incidents newest first, with their top root cause and last action (viewer role). */
export async function incidentsList(options: IncidentsOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
  if (options.status !== undefined) query.set('status', options.status);
  const { incidents } = (await callControlApi(state, 'GET', `/v1/incidents?${query.toString()}`)) as {
    incidents: IncidentInfo[];
  };
  process.stdout.write(options.output === 'json' ? json(incidents) : formatIncidents(incidents, Date.now()));
  return 0;
}

/** Incidents as a table. */
export function formatIncidents(list: readonly IncidentInfo[], nowMs: number): string {
  if (list.length === 0) return 'no incidents\n';
  const rows = list.map((i) => {
    const top = i.root_causes[0];
    const last = i.actions.at(-1);
    const opened = Date.parse(i.opened_at);
    const ended = i.resolved_at === null ? nowMs : Date.parse(i.resolved_at);
    return [
      i.id,
      i.status.toUpperCase(),
      time(i.opened_at),
      formatDuration(ended - opened),
      (i.services ?? []).join(','),
      top === undefined ? '-' : `${top.service} (${top.kind}, ${top.score.toFixed(2)})`,
      last === undefined ? '-' : `${last.type} ${last.target}: ${last.result}`,
    ];
  });
  return `${formatTable(['ID', 'STATUS', 'OPENED (UTC)', 'FOR', 'SERVICES', 'ROOT CAUSE', 'LAST ACTION'], rows)}\n`;
}

/** `opsloop incidents show <id>`: one incident with its root causes, actions and timeline (viewer role). */
export async function incidentsShow(id: string, options: IncidentsOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const incident = (await callControlApi(
    state,
    'GET',
    `/v1/incidents/${encodeURIComponent(id)}`,
  )) as IncidentInfo;
  process.stdout.write(options.output === 'json' ? json(incident) : formatIncident(incident));
  return 0;
}

/** One incident, for people. */
export function formatIncident(i: IncidentInfo): string {
  const lines = [
    `${i.id}  ${i.status.toUpperCase()}${i.severity ? `  ${i.severity}` : ''}${i.title ? `  ${i.title}` : ''}`,
    `opened ${time(i.opened_at)} UTC${i.resolved_at ? `, resolved ${time(i.resolved_at)} UTC` : ''}`,
    `services: ${(i.services ?? []).join(', ') || '-'}`,
    '',
    'root causes:',
    ...(i.root_causes.length === 0
      ? ['  (not localised yet)']
      : i.root_causes.flatMap((c, n) => [
          `  ${n + 1}. ${c.service} — ${c.kind} (${c.score.toFixed(2)})`,
          ...(c.evidence ?? []).map((e) => `       · ${e}`),
        ])),
    '',
    'actions:',
    ...(i.actions.length === 0
      ? ['  (none)']
      : i.actions.map(
          (a) => `  ${time(a.at)}  ${a.type} ${a.target}: ${a.result}${a.detail ? ` — ${a.detail}` : ''}`,
        )),
  ];
  if (i.timeline !== undefined && i.timeline.length > 0)
    lines.push(
      '',
      'timeline:',
      ...i.timeline.map((t) => `  ${time(t.at)}  ${t.kind.padEnd(12)} ${t.summary}`),
    );
  return `${lines.join('\n')}\n`;
}

/** `opsloop incidents proposals`: remediation actions waiting for approval (viewer role). */
export async function incidentsProposals(options: IncidentsOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const { proposals } = (await callControlApi(state, 'GET', '/v1/remediation/proposals')) as {
    proposals: ProposalInfo[];
  };
  if (options.output === 'json') {
    process.stdout.write(json(proposals));
    return 0;
  }
  if (proposals.length === 0) {
    process.stdout.write('no proposals waiting\n');
    return 0;
  }
  const rows = proposals.map((p) => [
    p.id,
    p.incidentId ?? p.incident ?? '-',
    typeof p.action === 'string' ? p.action : p.action.type,
    p.target,
    p.reason ?? '',
    p.expiresAt ? time(p.expiresAt) : '-',
  ]);
  process.stdout.write(
    `${formatTable(['ID', 'INCIDENT', 'ACTION', 'TARGET', 'WHY', 'EXPIRES (UTC)'], rows)}\n`,
  );
  return 0;
}

/** `opsloop incidents approve|reject <proposal>` (operator role). */
export async function incidentsDecide(
  decision: 'approve' | 'reject',
  id: string,
  options: IncidentsOptions & { reason?: string },
): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const result = await callControlApi(
    state,
    'POST',
    `/v1/remediation/proposals/${encodeURIComponent(id)}/${decision}`,
    30_000,
    options.reason === undefined ? {} : { reason: options.reason },
  );
  process.stdout.write(
    options.output === 'json' ? json(result) : `${id} ${decision === 'approve' ? 'approved' : 'rejected'}\n`,
  );
  return 0;
}
