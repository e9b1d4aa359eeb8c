import type { ServiceDescription } from '../../api/service-types.js';
import { useQuery } from '../../app/use-query.js';
import { formatAgo, formatRevision } from '../../components/format.js';
import { TableHead } from '../../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading } from '../../components/ui.js';

/** A service's replicas: phase, readiness, restarts, revision (old ones marked), start and last exit. */
export function Replicas(props: { service: string; now: () => number }) {
  const { service, now } = props;
  const described = useQuery(
    `describe:${service}`,
    (api, signal) =>
      api.get<ServiceDescription>(`/v1/services/${encodeURIComponent(service)}`, undefined, signal),
    {
      refetchOn: (e) =>
        e.service === service && /^(replica-|service-scaled|autoscaled|rollout-)/.test(e.type),
    },
  );
  const status = described.data?.status;
  return (
    <Card
      title="Replicas"
      actions={
        status !== undefined && (
          <span className="muted">
            {status.readyReplicas}/{status.desiredReplicas} ready
            {status.updatedReplicas !== undefined
              ? ` · ${status.updatedReplicas} at the desired revision`
              : ''}
          </span>
        )
      }
    >
      <ErrorNote error={described.error} what="Replicas" />
      {described.loading && status === undefined && <Loading label="Loading replicas…" />}
      {status !== undefined && status.replicas.length === 0 && <Empty>No replicas are running.</Empty>}
      {status !== undefined && status.replicas.length > 0 && (
        <table>
          <caption className="visually-hidden">Replicas of {service}</caption>
          <TableHead
            columns={[
              'Name',
              'Phase',
              'Ready',
              { label: 'Restarts', num: true },
              'Revision',
              'Started',
              'Last exit',
            ]}
          />
          <tbody>
            {status.replicas.map((r) => (
              <tr key={r.name}>
                <td className="mono">{r.name}</td>
                <td>{r.phase}</td>
                <td>
                  <Badge tone={r.ready ? 'ok' : r.phase === 'backoff' ? 'bad' : 'warn'}>
                    {r.ready ? 'ready' : 'not ready'}
                  </Badge>
                </td>
                <td className="num">{r.restarts}</td>
                <td className="mono">
                  {r.revision === undefined ? '–' : formatRevision(r.revision)}
                  {r.revision !== undefined &&
                    status.revision !== undefined &&
                    r.revision !== status.revision && (
                      <>
                        {' '}
                        <Badge tone="info">old</Badge>
                      </>
                    )}
                </td>
                <td>{formatAgo(r.startedAt, now())}</td>
                <td>
                  {r.lastExit === null
                    ? '–'
                    : `${r.lastExit.reason}${r.lastExit.code !== null ? ` (code ${r.lastExit.code})` : ''}${r.lastExit.signal !== null ? ` (${r.lastExit.signal})` : ''}, ${formatAgo(r.lastExit.at, now())}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
