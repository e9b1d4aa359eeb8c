import { useState } from 'react';
import type {
  IncidentJson,
  IncidentTimelineKind as TimelineKind,
  TimelineEntryJson,
} from '@opsloop/contracts';
import { hrefOf } from '../app/router.js';
import { useQuery } from '../app/use-query.js';
import { formatAgo, formatPercent, formatSeconds, formatTime } from '../components/format.js';
import { IncidentStatusBadge, PendingProposals } from '../components/incident-parts.js';
import { Meter } from '../components/meter.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading, TimeOfDay, type Tone } from '../components/ui.js';
import './incidents.css';

/** A glyph per timeline kind: the kind is also written out, the glyph only helps the eye. */
const KIND_ICON: Record<TimelineKind, string> = {
  signal: '●',
  change: '◆',
  diagnosis: '⌕',
  action: '▶',
  verification: '✓',
  status: '■',
  note: '✎',
};
const KIND_ORDER: TimelineKind[] = [
  'signal',
  'change',
  'diagnosis',
  'action',
  'verification',
  'status',
  'note',
];

/** Tones of the remediation phases an action records (packages/aiops/src/remediation/remediation-step.ts). */
const RESULT_TONE: Record<string, Tone> = {
  verified: 'ok',
  executed: 'ok',
  approved: 'info',
  proposed: 'info',
  executing: 'info',
  verifying: 'info',
  pending: 'muted',
  skipped: 'muted',
  rejected: 'warn',
  expired: 'warn',
  refused: 'warn',
  undone: 'warn',
  'not-effective': 'bad',
  failed: 'bad',
  escalated: 'bad',
};

function durationOf(incident: IncidentJson, now: number): string {
  const start = Date.parse(incident.opened_at);
  const end = incident.resolved_at === null ? now : Date.parse(incident.resolved_at);
  return `${formatSeconds((end - start) / 1000)}${incident.resolved_at === null ? ' so far' : ''}`;
}

/** One incident: what happened, the ranked root causes and why, what was done, and the whole timeline. */
export function IncidentPage(props: { id: string }) {
  const incident = useQuery(
    `incident:${props.id}`,
    (api, signal) =>
      api.get<IncidentJson>(`/v1/incidents/${encodeURIComponent(props.id)}`, undefined, signal),
    { refetchOn: (e) => e.type === 'incident' || e.type === 'remediation' },
  );
  const data = incident.data;

  if (data === undefined)
    return (
      <>
        <h1>Incident {props.id}</h1>
        <p>
          <a href={hrefOf({ page: 'incidents' })}>← All incidents</a>
        </p>
        <ErrorNote error={incident.error} what="This incident cannot be shown" />
        {incident.error === undefined && <Loading label="Loading the incident…" />}
      </>
    );

  return (
    <>
      <p>
        <a href={hrefOf({ page: 'incidents' })}>← All incidents</a>
      </p>
      <header className="incident-header">
        <h1>
          Incident <span className="mono">{data.id}</span>
        </h1>
        <IncidentStatusBadge status={data.status} />
        <Badge tone={data.severity === 'critical' ? 'bad' : data.severity === 'warning' ? 'warn' : 'info'}>
          {data.severity}
        </Badge>
        {data.verified && <Badge tone="ok">recovery verified</Badge>}
      </header>
      <ErrorNote error={incident.error} what="Refreshing failed (showing the last answer)" />
      <dl className="incident-facts">
        <dt>Opened</dt>
        <dd>
          <TimeOfDay iso={data.opened_at} /> ({formatAgo(data.opened_at)})
        </dd>
        <dt>Resolved</dt>
        <dd>{data.resolved_at === null ? 'not yet' : <TimeOfDay iso={data.resolved_at} />}</dd>
        <dt>Duration</dt>
        <dd>{durationOf(data, Date.now())}</dd>
        <dt>Services</dt>
        <dd>
          {data.services.length === 0
            ? '–'
            : data.services.map((s, i) => (
                <span key={s}>
                  {i > 0 && ', '}
                  <a href={hrefOf({ page: 'service', service: s })}>{s}</a>
                </span>
              ))}
        </dd>
        {data.escalation_reason !== undefined && (
          <>
            <dt>Escalated because</dt>
            <dd>{data.escalation_reason}</dd>
          </>
        )}
        {data.merged_from.length > 0 && (
          <>
            <dt>Merged from</dt>
            <dd className="mono">{data.merged_from.join(', ')}</dd>
          </>
        )}
      </dl>
      <PendingProposals incidentId={data.id} title="Remediation waiting for approval" />
      <div className="grid">
        <RootCauses incident={data} />
        <Actions incident={data} />
      </div>
      <Timeline entries={data.timeline} />
    </>
  );
}

function RootCauses(props: { incident: IncidentJson }) {
  const causes = [...props.incident.root_causes].sort((a, b) => b.score - a.score);
  return (
    <Card title="Root causes">
      {causes.length === 0 ? (
        <Empty>
          {props.incident.status === 'resolved'
            ? 'No root cause was ranked.'
            : 'Not diagnosed yet: causes are ranked a few seconds after an incident opens.'}
        </Empty>
      ) : (
        <ol className="causes" aria-label="Root causes, most likely first">
          {causes.map((c) => (
            <li key={`${c.service}/${c.kind}`}>
              <div className="cause-head">
                <a href={hrefOf({ page: 'service', service: c.service })}>
                  <strong>{c.service}</strong>
                </a>
                <Badge tone="info">{c.kind}</Badge>
                <Meter value={c.score} />
                <span>score {formatPercent(c.score, 0)}</span>
              </div>
              {c.evidence.length > 0 && (
                <ul className="evidence" aria-label={`Evidence for ${c.service} ${c.kind}`}>
                  {c.evidence.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Actions(props: { incident: IncidentJson }) {
  const { actions } = props.incident;
  return (
    <Card title="Actions">
      {actions.length === 0 ? (
        <Empty>No action was taken.</Empty>
      ) : (
        <table>
          <TableHead columns={['At', 'Action', 'Target', 'Result']} />
          <tbody>
            {actions.map((a, i) => (
              <tr key={i}>
                <td>
                  <TimeOfDay iso={a.at} />
                </td>
                <td>{a.type}</td>
                <td className="mono">{a.target}</td>
                <td>
                  <Badge tone={RESULT_TONE[a.result] ?? 'muted'}>{a.result}</Badge>
                  {a.detail !== undefined && <div className="muted">{a.detail}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Timeline(props: { entries: readonly TimelineEntryJson[] }) {
  const [hidden, setHidden] = useState<ReadonlySet<TimelineKind>>(new Set());
  const entries = [...props.entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const kinds = KIND_ORDER.filter((k) => entries.some((e) => e.kind === k));
  const shown = entries.filter((e) => !hidden.has(e.kind));
  const toggle = (kind: TimelineKind) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });
  return (
    <Card title="Timeline" className="timeline-card">
      {entries.length === 0 ? (
        <Empty>Nothing recorded yet.</Empty>
      ) : (
        <>
          <fieldset className="timeline-filter">
            <legend className="muted">Show</legend>
            {kinds.map((k) => (
              <label key={k}>
                <input type="checkbox" checked={!hidden.has(k)} onChange={() => toggle(k)} />
                <span aria-hidden="true">{KIND_ICON[k]}</span> {k} (
                {entries.filter((e) => e.kind === k).length})
              </label>
            ))}
          </fieldset>
          <ol className="timeline" aria-label="Timeline, oldest first">
            {shown.map((e, i) => (
              <li key={i} data-kind={e.kind}>
                <TimeOfDay iso={e.at} />
                <span className="timeline-kind">
                  <span aria-hidden="true">{KIND_ICON[e.kind] ?? '•'}</span>
                  {e.kind}
                </span>
                <span>
                  {e.summary}
                  {e.count !== undefined && e.count > 1 && (
                    <span className="muted">
                      {' '}
                      (×{e.count}
                      {e.last_at !== undefined ? `, last ${formatTime(e.last_at)}` : ''})
                    </span>
                  )}
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}
