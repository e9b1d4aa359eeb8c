import type { AnomalyList, IncidentList } from '../api/aiops-types.js';
import type { Api } from '../api/client.js';
import type { DependencyGraphAnswer, InstantQueryAnswer, SignalsAnswer } from '../api/overview-types.js';
import type { ApiError } from '../api/problem.js';
import type { RuntimeEventRecord, SystemStatus, VectorSample } from '../api/types.js';
import { hrefOf } from '../app/router.js';
import { useQuery } from '../app/use-query.js';
import { formatPercent } from '../components/format.js';
import { IncidentTable } from '../components/incident-parts.js';
import {
  MAP_SIGNALS,
  serviceMapOf,
  type FleetValues,
  type MapSignal,
} from '../components/service-map-model.js';
import { Meter } from '../components/meter.js';
import { ServiceMap } from '../components/service-map.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading } from '../components/ui.js';
import './overview.css';

/** How far back the map's calls reach in the traces. */
const GRAPH_WINDOW_MS = 5 * 60_000;

const STATUS_EVENTS = new Set([
  'service-scaled',
  'autoscaled',
  'spec-applied',
  'rollout-promoted',
  'rollout-aborted',
]);
const statusEvent = (e: RuntimeEventRecord) => e.type.startsWith('replica-') || STATUS_EVENTS.has(e.type);

/** The series of an instant PromQL query (`/api/v1/query`); none when it answers something else than a vector. */
export async function instantVector(api: Api, expr: string, signal: AbortSignal): Promise<VectorSample[]> {
  const answer = await api.get<InstantQueryAnswer>('/api/v1/query', { query: expr }, signal);
  return answer.data.resultType === 'vector' ? (answer.data.result as VectorSample[]) : [];
}

function byService(samples: readonly VectorSample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const service = s.metric.service;
    const value = Number(s.value[1]);
    if (service !== undefined && Number.isFinite(value)) out.set(service, value);
  }
  return out;
}

async function fleetValues(api: Api, signal: AbortSignal): Promise<FleetValues> {
  const { signals } = await api.get<SignalsAnswer>('/v1/signals', { window: '1m' }, signal);
  const wanted = signals.filter((s): s is typeof s & { name: MapSignal } =>
    (MAP_SIGNALS as readonly string[]).includes(s.name),
  );
  const results = await Promise.all(wanted.map((s) => instantVector(api, s.expr, signal)));
  return Object.fromEntries(wanted.map((s, i) => [s.name, byService(results[i] ?? [])]));
}

/** An optional feature answering 404 (switched off) is said quietly; other errors loudly. */
function FeatureNote(props: { error: ApiError | undefined; what: string }) {
  if (props.error === undefined) return null;
  if (props.error.status === 404) return <p className="muted">{`${props.what}: ${props.error.detail}`}</p>;
  return <ErrorNote error={props.error} what={props.what} />;
}

/** The fleet at a glance: the live service map, open incidents and every SLO's error budget. */
export function OverviewPage() {
  const status = useQuery(
    'overview:status',
    (api, signal) => api.get<SystemStatus>('/v1/status', undefined, signal),
    {
      refetchOn: statusEvent,
    },
  );
  const graph = useQuery('overview:graph', (api, signal) =>
    api.get<DependencyGraphAnswer>('/api/dependencies', { start: Date.now() - GRAPH_WINDOW_MS }, signal),
  );
  const values = useQuery('overview:signals', fleetValues, { refetchOn: statusEvent });
  const anomalies = useQuery(
    'overview:anomalies',
    (api, signal) => api.get<AnomalyList>('/v1/anomalies', { state: 'firing', limit: 1000 }, signal),
    { refetchOn: (e) => e.type === 'anomaly' },
  );
  const incidents = useQuery(
    'overview:incidents',
    (api, signal) => api.get<IncidentList>('/v1/incidents', { status: 'active' }, signal),
    { refetchOn: (e) => e.type === 'incident' || e.type === 'remediation' },
  );

  return (
    <>
      <h1>Overview{status.data === undefined ? '' : `: ${status.data.system}`}</h1>
      <Card title="Service map" className="overview-map">
        <ErrorNote error={status.error} what="Status" />
        <ErrorNote error={graph.error} what="Calls between services (traces)" />
        <ErrorNote error={values.error} what="Request rates, errors and latency" />
        <FeatureNote error={anomalies.error} what="Anomalies" />
        {status.data === undefined ? (
          status.loading && <Loading label="Loading the services…" />
        ) : status.data.services.length === 0 && (graph.data?.nodes.length ?? 0) === 0 ? (
          <Empty>No services are running.</Empty>
        ) : (
          <ServiceMap
            {...serviceMapOf({
              status: status.data,
              graph: graph.data,
              values: values.data,
              anomalies: anomalies.data,
              incidents: incidents.data,
            })}
          />
        )}
      </Card>
      <div className="grid overview-grid">
        <Card title="Open incidents">
          <FeatureNote error={incidents.error} what="Incidents" />
          {incidents.data === undefined ? (
            incidents.loading && <Loading label="Loading incidents…" />
          ) : incidents.data.incidents.length === 0 ? (
            <Empty>No open incidents.</Empty>
          ) : (
            <IncidentTable
              incidents={incidents.data.incidents}
              columns={['incident', 'opened', 'services', 'cause', 'status']}
            />
          )}
        </Card>
        <SloCard />
      </div>
    </>
  );
}

export interface SloRow {
  service: string;
  slo: string;
  objective: number | undefined;
  /** 1 = untouched, 0 = spent, below 0 = overspent. */
  remaining: number;
}

export type SloState = 'ok' | 'burning' | 'exhausted';

/** ok, burning (less than half the budget left) or exhausted (none left). */
export function sloState(remaining: number): SloState {
  return remaining <= 0 ? 'exhausted' : remaining < 0.5 ? 'burning' : 'ok';
}

async function sloRows(api: Api, signal: AbortSignal): Promise<SloRow[]> {
  const [budgets, objectives] = await Promise.all([
    instantVector(api, 'slo:error_budget_remaining:ratio', signal),
    instantVector(api, 'slo:objective:ratio', signal),
  ]);
  const key = (m: Record<string, string>) => JSON.stringify([m.service ?? '', m.slo ?? '']);
  const objective = new Map(objectives.map((s) => [key(s.metric), Number(s.value[1])]));
  return budgets
    .map((s) => ({
      service: s.metric.service ?? '?',
      slo: s.metric.slo ?? '?',
      objective: objective.get(key(s.metric)),
      remaining: Number(s.value[1]),
    }))
    .filter((r) => Number.isFinite(r.remaining))
    .sort((a, b) =>
      a.service < b.service ? -1 : a.service > b.service ? 1 : a.slo < b.slo ? -1 : a.slo > b.slo ? 1 : 0,
    );
}

const SLO_TONE = { ok: 'ok', burning: 'warn', exhausted: 'bad' } as const;

function SloCard() {
  const slos = useQuery('overview:slos', sloRows);
  const rows = slos.data;
  return (
    <Card title="SLOs and error budgets">
      <ErrorNote error={slos.error} what="SLOs" />
      {rows === undefined ? (
        slos.loading && <Loading label="Loading SLOs…" />
      ) : rows.length === 0 ? (
        <Empty>No SLOs are defined (a service's spec declares them under slos).</Empty>
      ) : (
        <table className="slo-table">
          <TableHead
            columns={['Service', 'SLO', { label: 'Objective', num: true }, 'Budget remaining', 'Status']}
          />
          <tbody>
            {rows.map((r) => {
              const state = sloState(r.remaining);
              return (
                <tr key={`${r.service}/${r.slo}`}>
                  <td>
                    <a href={hrefOf({ page: 'service', service: r.service })}>{r.service}</a>
                  </td>
                  <td>{r.slo}</td>
                  <td className="num">{formatPercent(r.objective, 2)}</td>
                  <td>
                    <Meter value={r.remaining} tone={SLO_TONE[state]} /> {formatPercent(r.remaining)}
                  </td>
                  <td>
                    <Badge tone={SLO_TONE[state]}>{state}</Badge>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
