import { useState, type ReactNode } from 'react';
import type {
  IncidentJson,
  IncidentStatus,
  RemediationActionJson as RemediationAction,
  RemediationProposalJson as RemediationProposal,
} from '@opsloop/contracts';
import type { ProposalList } from '../api/aiops-types.js';
import type { ApiError } from '../api/problem.js';
import { useCan, useDashboard } from '../app/context.js';
import { hrefOf } from '../app/router.js';
import { useQuery } from '../app/use-query.js';
import { asApiError } from './api-error.js';
import { formatAgo, formatPercent, formatSeconds } from './format.js';
import { TableHead, type Column } from './table-head.js';
import { Badge, Card, ErrorNote, TimeAgo, TimeOfDay, type Tone } from './ui.js';
import './incident-parts.css';

const STATUS_TONE: Record<IncidentStatus, Tone> = {
  open: 'bad',
  mitigating: 'warn',
  escalated: 'bad',
  resolved: 'ok',
};

export function IncidentStatusBadge(props: { status: IncidentStatus }) {
  return <Badge tone={STATUS_TONE[props.status] ?? 'muted'}>{props.status}</Badge>;
}

/** An incident's id as a link to its page. */
export function IncidentLink(props: { id: string }) {
  return (
    <a href={hrefOf({ page: 'incident', id: props.id })} className="mono">
      {props.id}
    </a>
  );
}

/** The best-ranked root cause in a few words (`orders change 72 %`), or '–' before diagnosis. */
export function topCauseText(incident: Pick<IncidentJson, 'root_causes'>): string {
  const top = [...incident.root_causes].sort((a, b) => b.score - a.score)[0];
  return top === undefined ? '–' : `${top.service} ${top.kind} ${formatPercent(top.score, 0)}`;
}

const INCIDENT_COLUMNS = {
  incident: { head: 'Incident', cell: (i) => <IncidentLink id={i.id} /> },
  status: { head: 'Status', cell: (i) => <IncidentStatusBadge status={i.status} /> },
  opened: { head: 'Opened', cell: (i) => <TimeAgo iso={i.opened_at} /> },
  resolved: {
    head: 'Resolved',
    cell: (i) => (i.resolved_at === null ? '–' : <TimeAgo iso={i.resolved_at} />),
  },
  services: { head: 'Services', cell: (i) => i.services.join(', ') },
  cause: { head: 'Top cause', cell: topCauseText },
  actions: { head: { label: 'Actions', num: true }, cell: (i) => i.actions.length },
} satisfies Record<string, { head: Column; cell: (incident: IncidentJson) => ReactNode }>;

export type IncidentColumn = keyof typeof INCIDENT_COLUMNS;

const isFigure = (head: Column) => typeof head !== 'string' && head.num === true;

/** Incidents as a table, one row each, with the columns a page chooses (in its order). */
export function IncidentTable(props: {
  incidents: readonly IncidentJson[];
  columns: readonly IncidentColumn[];
  className?: string;
}) {
  return (
    <table className={props.className}>
      <TableHead columns={props.columns.map((key) => INCIDENT_COLUMNS[key].head)} />
      <tbody>
        {props.incidents.map((i) => (
          <tr key={i.id}>
            {props.columns.map((key) => (
              <td key={key} className={isFigure(INCIDENT_COLUMNS[key].head) ? 'num' : undefined}>
                {INCIDENT_COLUMNS[key].cell(i)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A proposal's action as a person reads it (`roll back orders`, `turn flag new-pricing off`). */
export function describeAction(action: RemediationAction): string {
  switch (action.type) {
    case 'rollback':
      return `roll back ${action.service}${action.toRevision === undefined ? '' : ` to ${action.toRevision}`}`;
    case 'flag-off':
      return `set flag ${action.flag} to ${action.variant}`;
    case 'restart':
    case 'replace':
      return `${action.type} replica ${action.replica}`;
    case 'rolling-restart':
      return `restart every replica of ${action.service}`;
    case 'scale-out':
      return `scale ${action.service} from ${action.from} to ${action.to}`;
    case 'shed-load':
      return `shed load on ${action.service} above ${action.requestsPerSecond} req/s`;
    case 'open-circuit':
      return `open the circuit to ${action.service} for ${formatSeconds(action.durationMs / 1000)}`;
    case 'failover':
      return `fail ${action.service} over to ${action.to}`;
    default:
      return (action as { type: string }).type;
  }
}

/** What became of a decision taken on this page: shown after its proposal has left the pending list. */
export interface DecisionOutcome {
  decision: 'approve' | 'reject';
  what: string;
}

/**
 * Approve / Reject of a pending remediation proposal. Shown to operators only (a viewer sees the proposal,
 * not the buttons; the API refuses them anyway). The outcome goes to `onDecided`: the proposal leaves the
 * pending list as soon as the runtime announces the decision (often before the POST answers), so whoever
 * lists proposals says what was decided.
 */
export function ProposalDecision(props: {
  proposal: RemediationProposal;
  onDecided: (outcome: DecisionOutcome) => void;
}) {
  const { api } = useDashboard();
  const canDecide = useCan('operator');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const { proposal } = props;
  const what = describeAction(proposal.action);

  function decide(decision: 'approve' | 'reject') {
    setBusy(true);
    setError(undefined);
    api.post(`/v1/remediation/proposals/${encodeURIComponent(proposal.id)}/${decision}`).then(
      () => {
        setBusy(false);
        props.onDecided({ decision, what });
      },
      (e: unknown) => {
        setBusy(false);
        setError(asApiError(e));
      },
    );
  }

  return (
    <div className="proposal">
      <p className="proposal-what">
        <strong>{what}</strong> for incident{' '}
        <a href={hrefOf({ page: 'incident', id: proposal.incidentId })}>{proposal.incidentId}</a>
      </p>
      <p className="muted proposal-why">
        {proposal.reason} (policy {proposal.policy}; proposed {formatAgo(proposal.proposedAt)}, expires{' '}
        <TimeOfDay iso={proposal.expiresAt} />)
      </p>
      {canDecide && (
        <div className="proposal-buttons">
          <button
            type="button"
            disabled={busy}
            onClick={() => decide('approve')}
            aria-label={`Approve: ${what}`}
          >
            Approve
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => decide('reject')}
            aria-label={`Reject: ${what}`}
          >
            Reject
          </button>
        </div>
      )}
      <ErrorNote error={error} what="The decision was refused" />
    </div>
  );
}

/** The runtime events after which incidents and proposals may have changed. */
export const aiopsEvent = (type: string) => type === 'incident' || type === 'remediation';

/** Remediation proposals waiting for a person (none shown when incidents are off). */
export function PendingProposals(props: { incidentId?: string; title?: string }) {
  const proposals = useQuery(
    'remediation-proposals',
    (api, signal) => api.get<ProposalList>('/v1/remediation/proposals', undefined, signal),
    { refetchOn: (e) => aiopsEvent(e.type) },
  );
  const [decided, setDecided] = useState<DecisionOutcome | undefined>();
  const list = (proposals.data?.proposals ?? []).filter(
    (p) => props.incidentId === undefined || p.incidentId === props.incidentId,
  );
  if (proposals.error !== undefined && proposals.error.status !== 404)
    return <ErrorNote error={proposals.error} what="Remediation proposals" />;
  if (list.length === 0 && decided === undefined) return null;
  return (
    <Card title={props.title ?? 'Waiting for approval'} className="proposals">
      {list.length > 0 && (
        <ul className="plain-list">
          {list.map((p) => (
            <li key={p.id}>
              <ProposalDecision
                proposal={p}
                onDecided={(outcome) => {
                  setDecided(outcome);
                  proposals.refresh();
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {decided !== undefined && (
        <div role="status">
          <p>{decided.decision === 'approve' ? 'Approved.' : 'Rejected.'}</p>
          <p className="muted">
            {decided.decision === 'approve' ? 'Under way' : 'Not done'}: {decided.what}
          </p>
        </div>
      )}
      {list.length === 0 && <p className="muted">Nothing else waits for approval.</p>}
    </Card>
  );
}
