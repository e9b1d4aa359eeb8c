import { useState } from 'react';
import type { IncidentFilter, IncidentList } from '../api/aiops-types.js';
import { useQuery } from '../app/use-query.js';
import { aiopsEvent, IncidentTable, PendingProposals } from '../components/incident-parts.js';
import { Card, Empty, ErrorNote, Loading } from '../components/ui.js';
import './incidents.css';

const FILTERS: { value: IncidentFilter | 'all'; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active (not resolved)' },
  { value: 'open', label: 'Open' },
  { value: 'mitigating', label: 'Mitigating' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'resolved', label: 'Resolved' },
];

/** Incidents, newest first, filtered by status; pending remediation proposals on top. */
export function IncidentsPage() {
  const [filter, setFilter] = useState<IncidentFilter | 'all'>('all');
  const incidents = useQuery(
    `incidents:${filter}`,
    (api, signal) =>
      api.get<IncidentList>('/v1/incidents', filter === 'all' ? undefined : { status: filter }, signal),
    { refetchOn: (e) => aiopsEvent(e.type) },
  );
  const list = incidents.data?.incidents;

  return (
    <>
      <h1>Incidents</h1>
      <PendingProposals />
      <Card
        title="Incidents"
        actions={
          <label className="inline-label">
            Status{' '}
            <select value={filter} onChange={(e) => setFilter(e.target.value as IncidentFilter | 'all')}>
              {FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorNote error={incidents.error} what="Incidents" />
        {list === undefined ? (
          incidents.loading && <Loading label="Loading incidents…" />
        ) : list.length === 0 ? (
          <Empty>{filter === 'all' ? 'No incidents yet.' : `No ${filter} incidents.`}</Empty>
        ) : (
          <IncidentTable
            incidents={list}
            columns={['incident', 'status', 'opened', 'resolved', 'services', 'cause', 'actions']}
            className="incidents-table"
          />
        )}
      </Card>
    </>
  );
}
