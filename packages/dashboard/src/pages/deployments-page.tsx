import type { Api } from '../api/client.js';
import type {
  AnalysisRecord,
  ProgressStatus,
  ReleaseStatus,
  RolloutActionName as RolloutAction,
  RolloutStatus,
} from '@opsloop/contracts';
import type { EventsAnswer } from '../api/delivery-types.js';
import type { ApiError } from '../api/problem.js';
import type { RuntimeEventRecord, SystemStatus } from '../api/types.js';
import { useCan, useDashboard } from '../app/context.js';
import { useQuery } from '../app/use-query.js';
import { asApiError } from '../components/api-error.js';
import { AnalysisChart, checkLabel, formatCheckValue, VERDICT_TONE } from '../components/analysis-chart.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { formatAgo, formatTime } from '../components/format.js';
import { rolloutSteps, StepList } from '../components/step-list.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading, type Tone } from '../components/ui.js';
import './deployments-page.css';

/** Events that change what this page shows. */
function isDeliveryEvent(event: RuntimeEventRecord): boolean {
  return event.type.startsWith('rollout-') || event.type === 'spec-applied' || event.type === 'release-group';
}

/** History rows kept on screen (newest first). */
const HISTORY_ROWS = 50;

interface ServiceRollout {
  service: string;
  rollout?: RolloutStatus;
  error?: ApiError;
}

/** Every service's rollout: the status names the services, each answers its own (one may fail alone). */
async function loadRollouts(api: Api, signal: AbortSignal): Promise<ServiceRollout[]> {
  const status = await api.get<SystemStatus>('/v1/status', undefined, signal);
  const settled = await Promise.allSettled(
    status.services.map((s) =>
      api.get<RolloutStatus>(`/v1/services/${encodeURIComponent(s.name)}/rollout`, undefined, signal),
    ),
  );
  return status.services.map((s, index) => {
    const result = settled[index]!;
    if (result.status === 'fulfilled') return { service: s.name, rollout: result.value };
    return { service: s.name, error: asApiError(result.reason) };
  });
}

/** A rollout that needs watching: a blue-green or canary running, replicas being replaced, or a pause. */
export function inProgress(rollout: RolloutStatus): boolean {
  return rollout.progress !== undefined || !rollout.complete || rollout.paused;
}

/** The rollout's state in a word, with its tone. */
export function rolloutState(rollout: RolloutStatus): { label: string; tone: Tone } {
  if (rollout.paused) return { label: 'paused', tone: 'warn' };
  const progress = rollout.progress;
  if (progress !== undefined) {
    if (progress.fastTrack) return { label: 'rolling back', tone: 'warn' };
    return { label: progress.phase.replaceAll('-', ' '), tone: 'info' };
  }
  return rollout.complete ? { label: 'complete', tone: 'ok' } : { label: 'rolling', tone: 'info' };
}

export function DeploymentsPage() {
  const canOperate = useCan('operator');
  const rollouts = useQuery('deployments:rollouts', loadRollouts, {
    pollMs: 5_000,
    refetchOn: isDeliveryEvent,
  });
  const releases = useQuery(
    'deployments:releases',
    (api, signal) => api.get<{ releases: ReleaseStatus[] }>('/v1/releases', undefined, signal),
    { pollMs: 15_000, refetchOn: (e) => e.type === 'release-group' || e.type === 'spec-applied' },
  );
  const events = useQuery(
    'deployments:events',
    (api, signal) => api.get<EventsAnswer>('/v1/events', { limit: 2000 }, signal),
    { pollMs: 30_000, refetchOn: isDeliveryEvent },
  );

  const list = rollouts.data ?? [];
  const running = list.filter(
    (r): r is ServiceRollout & { rollout: RolloutStatus } => r.rollout !== undefined && inProgress(r.rollout),
  );

  return (
    <div className="deployments-page">
      <h1>Deployments</h1>
      <ErrorNote error={rollouts.error} what="Rollouts" />
      {rollouts.loading && rollouts.data === undefined ? (
        <Loading label="Loading rollouts…" />
      ) : (
        rollouts.data !== undefined && (
          <>
            <section aria-label="Rollouts in progress" className="rollouts-running">
              {running.length === 0 ? (
                <Card title="Rollouts in progress">
                  <Empty>No rollout in progress: every service runs its desired revision.</Empty>
                </Card>
              ) : (
                running.map((r) => (
                  <RolloutCard
                    key={r.service}
                    rollout={r.rollout}
                    canOperate={canOperate}
                    onChanged={() => rollouts.refresh()}
                  />
                ))
              )}
            </section>
            <ServicesCard rollouts={list} canOperate={canOperate} onChanged={() => rollouts.refresh()} />
          </>
        )
      )}
      <div className="grid deployments-lower">
        <ReleasesCard releases={releases.data?.releases} error={releases.error} loading={releases.loading} />
        <HistoryCard events={events.data?.events} error={events.error} loading={events.loading} />
      </div>
    </div>
  );
}

function RolloutCard(props: { rollout: RolloutStatus; canOperate: boolean; onChanged: () => void }) {
  const { rollout } = props;
  const state = rolloutState(rollout);
  const progress = rollout.progress;
  return (
    <Card
      title={`Rollout of ${rollout.service}`}
      className="rollout-card"
      actions={
        props.canOperate ? <RolloutActions rollout={rollout} onChanged={props.onChanged} /> : undefined
      }
    >
      <dl className="rollout-facts">
        <div>
          <dt>Strategy</dt>
          <dd>{rollout.strategy}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <Badge tone={state.tone}>{state.label}</Badge>
          </dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd>
            <code>{progress?.stableRevision ?? rollout.stableRevision}</code> →{' '}
            <code>{progress?.newRevision ?? rollout.revision}</code>
          </dd>
        </div>
        {progress !== undefined && (
          <>
            <div>
              <dt>Step</dt>
              <dd>
                {Math.min(progress.step, progress.steps + 1)} of {progress.steps + 1}
              </dd>
            </div>
            <div>
              <dt>Traffic to new revision</dt>
              <dd>
                <TrafficMeter weight={progress.weight} />
              </dd>
            </div>
          </>
        )}
        <div>
          <dt>Replicas (updated / ready / desired)</dt>
          <dd>
            {rollout.updatedReplicas} / {rollout.readyReplicas} / {rollout.desiredReplicas}
          </dd>
        </div>
      </dl>
      {progress !== undefined ? (
        <StepList steps={rolloutSteps(progress)} label={`Steps of the ${rollout.service} rollout`} />
      ) : (
        <p className="muted">
          Rolling update: {rollout.updatedReplicas} of {rollout.desiredReplicas} replicas at the new revision.
        </p>
      )}
      {progress?.message !== undefined && <p className="rollout-message">{progress.message}</p>}
      {rollout.preview !== undefined && (
        <p className="muted">
          Preview: <code>{rollout.preview.discovery}</code>
          {rollout.preview.url !== null && (
            <>
              {' '}
              at <code>{rollout.preview.url}</code>
            </>
          )}
        </p>
      )}
      {progress !== undefined && <AnalysisPanel service={rollout.service} progress={progress} />}
    </Card>
  );
}

function TrafficMeter(props: { weight: number }) {
  const weight = Math.max(0, Math.min(100, props.weight));
  return (
    <span className="traffic">
      <meter min={0} max={100} value={weight} aria-label="Traffic share of the new revision" />{' '}
      <span>{weight} %</span>
    </span>
  );
}

/** The buttons an operator has for one service's rollout: those the API has for its state. */
function RolloutActions(props: { rollout: RolloutStatus; onChanged: () => void }) {
  const { api } = useDashboard();
  const { rollout } = props;
  const service = rollout.service;
  const act = (action: RolloutAction) => () =>
    api.post<RolloutStatus>(`/v1/services/${encodeURIComponent(service)}/rollout/${action}`, {});
  const progress = rollout.progress;
  const canary = progress?.strategy === 'Canary';
  return (
    <>
      {progress !== undefined && !progress.fastTrack && (
        <ConfirmButton
          label="Promote"
          name={`Promote ${service}`}
          tone="primary"
          confirm={
            canary ? undefined : `Switch all new requests of ${service} to revision ${progress.newRevision}?`
          }
          action={act('promote')}
          onDone={props.onChanged}
        />
      )}
      {canary && !progress.fastTrack && progress.step <= progress.steps && (
        <ConfirmButton
          label="Promote fully"
          name={`Promote ${service} fully`}
          confirm={`Skip the remaining steps and analyses, and send all traffic of ${service} to ${progress.newRevision}?`}
          action={act('promote-full')}
          onDone={props.onChanged}
        />
      )}
      {rollout.paused ? (
        <ConfirmButton
          label="Resume"
          name={`Resume ${service}`}
          action={act('resume')}
          onDone={props.onChanged}
        />
      ) : (
        <ConfirmButton
          label="Pause"
          name={`Pause ${service}`}
          action={act('pause')}
          onDone={props.onChanged}
        />
      )}
      {progress !== undefined ? (
        <ConfirmButton
          label="Abort"
          name={`Abort ${service}`}
          tone="danger"
          confirm={`Abort the rollout of ${service} and go back to ${progress.stableRevision}?`}
          action={act('abort')}
          onDone={props.onChanged}
        />
      ) : (
        rollout.history.length > 1 && (
          <ConfirmButton
            label="Undo"
            name={`Undo ${service}`}
            tone="danger"
            confirm={`Roll ${service} back to its previous revision?`}
            action={act('undo')}
            onDone={props.onChanged}
          />
        )
      )}
    </>
  );
}

function AnalysisPanel(props: { service: string; progress: ProgressStatus }) {
  const analyses = props.progress.analyses;
  const latest: AnalysisRecord | undefined = analyses.at(-1);
  if (latest === undefined)
    return (
      <Empty>
        {props.progress.fastTrack
          ? 'Going back: no analysis on a rollback.'
          : 'No analysis yet: the first verdict comes after the first interval.'}
      </Empty>
    );
  const title = `Canary vs baseline analysis of ${props.service}`;
  return (
    <section className="analysis" aria-label={title}>
      <h3>
        Canary vs baseline <Badge tone={VERDICT_TONE[latest.verdict]}>{latest.verdict}</Badge>
      </h3>
      <p className="muted">
        At {latest.weight} % traffic, {formatTime(latest.at)}: canary served {latest.canaryRequests} requests,
        baseline {latest.baselineRequests}.
      </p>
      <div className="analysis-body">
        <table className="analysis-table">
          <caption className="visually-hidden">{title}</caption>
          <TableHead
            columns={[
              'Check',
              { label: 'Canary', num: true },
              { label: 'Baseline', num: true },
              'Verdict',
              'Detail',
            ]}
          />
          <tbody>
            {latest.checks.map((check, index) => (
              <tr key={`${check.name}-${index}`}>
                <th scope="row">{checkLabel(check.name)}</th>
                <td className="num">{formatCheckValue(check.name, check.canary)}</td>
                <td className="num">{formatCheckValue(check.name, check.baseline)}</td>
                <td>
                  <Badge tone={VERDICT_TONE[check.verdict]}>{check.verdict}</Badge>
                </td>
                <td className="muted analysis-detail">{check.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <AnalysisChart checks={latest.checks} title={title} />
      </div>
      {analyses.length > 1 && (
        <details>
          <summary>Earlier verdicts ({analyses.length - 1})</summary>
          <table>
            <TableHead
              columns={[
                'Time',
                { label: 'Traffic', num: true },
                'Verdict',
                { label: 'Canary requests', num: true },
                { label: 'Baseline requests', num: true },
              ]}
            />
            <tbody>
              {analyses
                .slice(0, -1)
                .reverse()
                .map((a) => (
                  <tr key={a.at}>
                    <td>{formatTime(a.at)}</td>
                    <td className="num">{a.weight} %</td>
                    <td>
                      <Badge tone={VERDICT_TONE[a.verdict]}>{a.verdict}</Badge>
                    </td>
                    <td className="num">{a.canaryRequests}</td>
                    <td className="num">{a.baselineRequests}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}

function ServicesCard(props: { rollouts: ServiceRollout[]; canOperate: boolean; onChanged: () => void }) {
  return (
    <Card title="Services">
      {props.rollouts.length === 0 ? (
        <Empty>No services.</Empty>
      ) : (
        <table>
          <TableHead
            columns={[
              'Service',
              'Strategy',
              'Revision',
              { label: 'Updated / desired', num: true },
              'Status',
              'Last outcome',
              props.canOperate && 'Actions',
            ]}
          />
          <tbody>
            {props.rollouts.map((r) => (
              <tr key={r.service}>
                <th scope="row">{r.service}</th>
                {r.rollout === undefined ? (
                  <td colSpan={props.canOperate ? 6 : 5}>
                    <ErrorNote error={r.error} what="Rollout" />
                  </td>
                ) : (
                  <>
                    <td>{r.rollout.strategy}</td>
                    <td>
                      <code>{r.rollout.revision}</code>
                    </td>
                    <td className="num">
                      {r.rollout.updatedReplicas} / {r.rollout.desiredReplicas}
                    </td>
                    <td>
                      <Badge tone={rolloutState(r.rollout).tone}>{rolloutState(r.rollout).label}</Badge>
                    </td>
                    <td>
                      <Outcome rollout={r.rollout} />
                    </td>
                    {props.canOperate && (
                      <td>
                        {/* A rollout in progress has its buttons on its card above. */}
                        {!inProgress(r.rollout) && (
                          <div className="row-actions">
                            <RolloutActions rollout={r.rollout} onChanged={props.onChanged} />
                          </div>
                        )}
                      </td>
                    )}
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Outcome(props: { rollout: RolloutStatus }) {
  const outcome = props.rollout.lastOutcome;
  if (outcome === undefined) return <span className="muted">–</span>;
  return (
    <span title={outcome.reason}>
      <Badge tone={outcome.result === 'promoted' ? 'ok' : 'bad'}>{outcome.result}</Badge>{' '}
      <span className="muted">{formatAgo(outcome.at)}</span>
      {outcome.reason !== undefined && <span className="outcome-reason">{outcome.reason}</span>}
    </span>
  );
}

const RELEASE_TONE: Record<ReleaseStatus['phase'], Tone> = {
  rolling: 'info',
  complete: 'ok',
  'rolling-back': 'warn',
  'rolled-back': 'bad',
};

function ReleasesCard(props: {
  releases: ReleaseStatus[] | undefined;
  error: ApiError | undefined;
  loading: boolean;
}) {
  return (
    <Card title="Release groups">
      <ErrorNote error={props.error} what="Release groups" />
      {props.releases === undefined ? (
        props.loading && <Loading label="Loading release groups…" />
      ) : props.releases.length === 0 ? (
        <Empty>No release group has been released yet.</Empty>
      ) : (
        props.releases.map((release) => (
          <div key={release.group} className="release">
            <p>
              <strong>{release.group}</strong>{' '}
              <Badge tone={RELEASE_TONE[release.phase]}>{release.phase}</Badge>{' '}
              <span className="muted">
                started {formatTime(release.startedAt)}
                {release.finishedAt !== undefined && `, finished ${formatTime(release.finishedAt)}`}
              </span>
            </p>
            {release.message !== undefined && <p className="muted">{release.message}</p>}
            <table aria-label={`Members of release group ${release.group}`}>
              <TableHead columns={['Service', 'From', 'To', 'State']} />
              <tbody>
                {release.members.map((m) => (
                  <tr key={m.service}>
                    <th scope="row">{m.service}</th>
                    <td>
                      <code>{m.from}</code>
                    </td>
                    <td>{m.to === null ? <span className="muted">unchanged</span> : <code>{m.to}</code>}</td>
                    <td>{m.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))
      )}
    </Card>
  );
}

/** What a delivery event says, in one line. */
export function describeDeliveryEvent(event: RuntimeEventRecord): string {
  const text = (key: string) => {
    const value = event[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };
  switch (event.type) {
    case 'rollout-step':
      return `step ${text('step')} of ${text('of')}: ${text('weight')} % to ${text('revision')}`;
    case 'rollout-analysis':
      return `${text('verdict')} at ${text('weight')} %: ${text('summary')}`;
    case 'rollout-paused':
      return `paused at ${text('revision')}: ${text('reason')}`;
    case 'rollout-promoted':
      return `${text('revision')} replaced ${text('from')}`;
    case 'rollout-aborted':
      return `back to ${text('revision')} from ${text('from')}: ${text('reason')}`;
    case 'rollout-blocked':
      return text('reason');
    case 'rollout-action':
      return `${text('action')} requested`;
    case 'spec-applied':
      return Array.isArray(event.changes) ? event.changes.map(String).join('; ') : '';
    case 'release-group':
      return `${text('phase')}: ${text('message')}`;
    default:
      return '';
  }
}

function HistoryCard(props: {
  events: RuntimeEventRecord[] | undefined;
  error: ApiError | undefined;
  loading: boolean;
}) {
  const rows =
    props.events === undefined
      ? undefined
      : props.events.filter(isDeliveryEvent).slice(-HISTORY_ROWS).reverse();
  return (
    <Card title="Rollout history" className="history-card">
      <ErrorNote error={props.error} what="Events" />
      {rows === undefined ? (
        props.loading && <Loading label="Loading events…" />
      ) : rows.length === 0 ? (
        <Empty>No rollout, apply or release event yet.</Empty>
      ) : (
        <table>
          <TableHead columns={['Time', 'Event', 'Service / group', 'What']} />
          <tbody>
            {rows.map((event) => (
              <tr key={event.seq}>
                <td className="nowrap">{formatTime(event.at)}</td>
                <td>
                  <code>{event.type}</code>
                </td>
                <td>{event.service ?? (typeof event.group === 'string' ? event.group : '–')}</td>
                <td className="event-detail">{describeDeliveryEvent(event)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
