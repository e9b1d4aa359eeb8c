import type { FaultInfo, InjectionJson as Injection } from '@opsloop/contracts';
import type { SystemStatus } from '../api/types.js';
import { useCan, useDashboard } from '../app/context.js';
import { useQuery } from '../app/use-query.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { formatTime } from '../components/format.js';
import { defaultDuration, InjectForm } from '../components/inject-form.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading, type Tone } from '../components/ui.js';
import './chaos-page.css';

const STATUS_TONE: Record<Injection['status'], Tone> = {
  active: 'warn',
  ended: 'muted',
  cleared: 'ok',
  failed: 'bad',
};

export function ChaosPage() {
  const canOperate = useCan('operator');
  const faults = useQuery(
    'chaos:faults',
    (api, signal) => api.get<{ faults: FaultInfo[] }>('/v1/chaos/faults', undefined, signal),
    { pollMs: 0 },
  );
  const injections = useQuery(
    'chaos:injections',
    (api, signal) => api.get<{ injections: Injection[] }>('/v1/chaos/injections', undefined, signal),
    { pollMs: 5_000, refetchOn: (event) => event.type === 'chaos' },
  );
  const status = useQuery(
    'chaos:services',
    (api, signal) => api.get<SystemStatus>('/v1/status', undefined, signal),
    { pollMs: 30_000, enabled: canOperate, refetchOn: (event) => event.type === 'spec-applied' },
  );

  return (
    <div className="chaos-page">
      <h1>Chaos</h1>
      <div className="grid chaos-top">
        {canOperate && (
          <Card title="Inject a fault">
            <ErrorNote error={faults.error} what="Fault catalogue" />
            <ErrorNote error={status.error} what="Services" />
            {faults.data === undefined || status.data === undefined ? (
              (faults.loading || status.loading) && <Loading />
            ) : (
              <InjectForm
                faults={faults.data.faults}
                services={status.data.services.map((s) => ({
                  name: s.name,
                  replicas: s.replicas.map((r) => r.name),
                }))}
                onInjected={() => injections.refresh()}
              />
            )}
          </Card>
        )}
        <Card title="Injections" className="injections-card">
          <ErrorNote error={injections.error} what="Injections" />
          {injections.data === undefined ? (
            injections.loading && <Loading label="Loading injections…" />
          ) : (
            <InjectionsTable
              injections={injections.data.injections}
              canOperate={canOperate}
              onChanged={() => injections.refresh()}
            />
          )}
        </Card>
      </div>
      <Card title="Fault catalogue" className="catalogue-card">
        {!canOperate && <ErrorNote error={faults.error} what="Fault catalogue" />}
        {faults.data === undefined ? (
          faults.loading && <Loading label="Loading the fault catalogue…" />
        ) : faults.data.faults.length === 0 ? (
          <Empty>The fault catalogue is empty.</Empty>
        ) : (
          <Catalogue faults={faults.data.faults} />
        )}
      </Card>
    </div>
  );
}

function InjectionsTable(props: { injections: Injection[]; canOperate: boolean; onChanged: () => void }) {
  const { api } = useDashboard();
  if (props.injections.length === 0) return <Empty>No injection yet.</Empty>;
  return (
    <table>
      <TableHead
        columns={[
          'ID',
          'Fault',
          'Target',
          'Status',
          'Started',
          'Ends',
          'Params',
          props.canOperate && 'Actions',
        ]}
      />
      <tbody>
        {props.injections.map((injection) => (
          <tr key={injection.id}>
            <th scope="row">
              <code>{injection.id}</code>
            </th>
            <td>{injection.fault}</td>
            <td>
              {injection.target}
              {injection.replica !== undefined && <span className="muted"> ({injection.replica})</span>}
            </td>
            <td>
              <Badge tone={STATUS_TONE[injection.status]}>{injection.status}</Badge>
            </td>
            <td className="nowrap">{formatTime(injection.startedAt)}</td>
            <td className="nowrap">
              {injection.status !== 'active'
                ? injection.endedAt === null
                  ? '–'
                  : `ended ${formatTime(injection.endedAt)}`
                : injection.endsAt === null
                  ? 'until cleared'
                  : formatTime(injection.endsAt)}
            </td>
            <td>
              <code className="params">
                {Object.entries(injection.params)
                  .map(([name, value]) => `${name}=${String(value)}`)
                  .join(' ')}
              </code>
              {injection.errors !== undefined && injection.errors.length > 0 && (
                <ul className="injection-errors" aria-label={`Errors of ${injection.id}`}>
                  {injection.errors.map((error, index) => (
                    <li key={index}>{error}</li>
                  ))}
                </ul>
              )}
            </td>
            {props.canOperate && (
              <td>
                {injection.status === 'active' && (
                  <ConfirmButton
                    label="Clear"
                    name={`Clear ${injection.id}`}
                    tone="danger"
                    confirm={`End ${injection.fault} on ${injection.target} now?`}
                    action={() =>
                      api.delete<Injection>(`/v1/chaos/injections/${encodeURIComponent(injection.id)}`)
                    }
                    onDone={props.onChanged}
                  />
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Catalogue(props: { faults: FaultInfo[] }) {
  return (
    <table>
      <TableHead columns={['Fault', 'What it does', 'Scope', 'Default duration', 'Parameters']} />
      <tbody>
        {props.faults.map((fault) => (
          <tr key={fault.name}>
            <th scope="row">
              <code>{fault.name}</code>
            </th>
            <td>{fault.summary}</td>
            <td>{fault.scope}</td>
            <td>{defaultDuration(fault)}</td>
            <td>
              {fault.params.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ul className="param-list" aria-label={`Parameters of ${fault.name}`}>
                  {fault.params.map((param) => (
                    <li key={param.name} title={param.description}>
                      <code>{param.name}</code> <span className="muted">{param.type}</span>
                      {param.required ? (
                        <span className="muted"> required</span>
                      ) : (
                        param.default !== undefined && <span> = {String(param.default)}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
