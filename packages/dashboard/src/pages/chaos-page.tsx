import { useId, useState } from 'react';
import type { FaultInfo, FaultParamInfo, InjectionJson as Injection } from '@opsloop/contracts';
import type { InjectBody } from '../api/delivery-types.js';
import { ApiError } from '../api/problem.js';
import type { SystemStatus } from '../api/types.js';
import { useCan, useDashboard } from '../app/context.js';
import { useQuery } from '../app/use-query.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { formatSeconds, formatTime } from '../components/format.js';
import { TableHead } from '../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading, type Tone } from '../components/ui.js';
import './chaos-page.css';

/** The API's limit on `durationSeconds` (a day). */
const MAX_DURATION_SECONDS = 86_400;

/** A param's default as the text its input starts with. */
function defaultText(param: FaultParamInfo): string {
  return param.default === undefined ? '' : String(param.default);
}

/** A duration as typed: whole minutes as minutes, else seconds (`90 s`, not a rounded `2 min`). */
function durationWords(seconds: number): string {
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return seconds < 3600 ? `${seconds} s` : formatSeconds(seconds);
}

/** How long a fault lasts when no duration is given, in words. */
function defaultDuration(fault: FaultInfo): string {
  if (fault.instant) return 'at once';
  return fault.defaultDurationMs === 0 ? 'until cleared' : durationWords(fault.defaultDurationMs / 1000);
}

/**
 * The body of `POST /v1/chaos/injections` from the form's texts (`values` by param name; absent = the
 * default), typed as the catalogue says (numbers as numbers, booleans as booleans), or the first problem
 * in words. Empty optional params are left out (the runtime fills in defaults); the API checks ranges.
 */
export function buildInjectBody(
  fault: FaultInfo,
  target: string,
  values: Readonly<Record<string, string>>,
  durationText: string,
): { body: InjectBody } | { error: string } {
  if (target === '') return { error: 'choose a target service' };
  const params: InjectBody['params'] = {};
  for (const param of fault.params) {
    const text = (values[param.name] ?? defaultText(param)).trim();
    if (text === '') {
      if (param.required) return { error: `${param.name} is required` };
      continue;
    }
    if (param.type === 'integer' || param.type === 'number') {
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: `${param.name} must be a number (got "${text}")` };
      if (param.type === 'integer' && !Number.isInteger(value))
        return { error: `${param.name} must be a whole number (got "${text}")` };
      params[param.name] = value;
    } else if (param.type === 'boolean') {
      params[param.name] = text === 'true';
    } else {
      params[param.name] = text;
    }
  }
  const body: InjectBody = { fault: fault.name, target, params };
  const duration = durationText.trim();
  if (!fault.instant && duration !== '') {
    const seconds = Number(duration);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_DURATION_SECONDS)
      return { error: `the duration must be 1 to ${MAX_DURATION_SECONDS} seconds (got "${duration}")` };
    body.durationSeconds = seconds;
  }
  return { body };
}

/** `1..600000` → its bounds (`-∞` / `∞` are open). */
function boundsOf(range: string | undefined): { min?: number; max?: number } {
  if (range === undefined) return {};
  const [low, high] = range.split('..');
  const bound = (text: string | undefined) => {
    const value = Number(text);
    return text !== undefined && text !== '' && Number.isFinite(value) ? value : undefined;
  };
  const min = bound(low);
  const max = bound(high);
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

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
                services={status.data.services.map((s) => s.name)}
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

function InjectForm(props: { faults: FaultInfo[]; services: string[]; onInjected: () => void }) {
  const { api } = useDashboard();
  const [faultName, setFaultName] = useState('');
  const [target, setTarget] = useState('');
  // Edited texts per fault and param: switching faults keeps what was typed for each.
  const [values, setValues] = useState<Record<string, Record<string, string>>>({});
  const [duration, setDuration] = useState('');
  const [created, setCreated] = useState<Injection | undefined>(undefined);
  const ids = useId();

  const fault = props.faults.find((f) => f.name === faultName) ?? props.faults[0];
  if (fault === undefined) return <Empty>The fault catalogue is empty.</Empty>;
  if (props.services.length === 0) return <Empty>No service to inject into.</Empty>;
  const service = props.services.includes(target) ? target : props.services[0]!;
  const own = values[fault.name] ?? {};
  const built = buildInjectBody(fault, service, own, duration);
  const setValue = (name: string, text: string) =>
    setValues((all) => ({ ...all, [fault.name]: { ...all[fault.name], [name]: text } }));

  return (
    <form className="inject-form" aria-label="Inject a fault" onSubmit={(event) => event.preventDefault()}>
      <div className="inject-row">
        <div>
          <label htmlFor={`${ids}-fault`}>Fault</label>
          <select
            id={`${ids}-fault`}
            value={fault.name}
            aria-describedby={`${ids}-fault-help`}
            onChange={(event) => {
              setFaultName(event.target.value);
              setCreated(undefined);
            }}
          >
            {props.faults.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${ids}-target`}>Target service</label>
          <select id={`${ids}-target`} value={service} onChange={(event) => setTarget(event.target.value)}>
            {props.services.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p id={`${ids}-fault-help`} className="muted help">
        {fault.summary}
      </p>
      {fault.params.length > 0 && (
        <fieldset className="inject-params">
          <legend>Parameters of {fault.name}</legend>
          {fault.params.map((param) => (
            <ParamInput
              key={`${fault.name}-${param.name}`}
              id={`${ids}-${fault.name}-${param.name}`}
              param={param}
              value={own[param.name] ?? defaultText(param)}
              onChange={(text) => setValue(param.name, text)}
            />
          ))}
        </fieldset>
      )}
      {fault.instant ? (
        <p className="muted">{fault.name} happens at once: it takes no duration.</p>
      ) : (
        <div className="inject-param">
          <label htmlFor={`${ids}-duration`}>Duration (seconds)</label>
          <input
            id={`${ids}-duration`}
            type="number"
            min={1}
            max={MAX_DURATION_SECONDS}
            step="any"
            value={duration}
            placeholder={
              fault.defaultDurationMs === 0 ? 'until cleared' : String(fault.defaultDurationMs / 1000)
            }
            aria-describedby={`${ids}-duration-help`}
            onChange={(event) => setDuration(event.target.value)}
          />
          <small id={`${ids}-duration-help`} className="muted help">
            Empty: the fault&apos;s default ({defaultDuration(fault)}).
          </small>
        </div>
      )}
      {'error' in built && (
        <p className="muted inject-missing" id={`${ids}-missing`}>
          Before injecting: {built.error}.
        </p>
      )}
      <div className="inject-actions">
        <ConfirmButton
          label="Inject"
          tone="danger"
          disabled={'error' in built}
          confirm={`Inject ${fault.name} into ${service}${
            fault.instant
              ? ''
              : ` for ${duration.trim() === '' ? defaultDuration(fault) : durationWords(Number(duration))}`
          }?`}
          action={() =>
            'body' in built
              ? api.post<Injection>('/v1/chaos/injections', built.body)
              : Promise.reject(new ApiError(0, 'about:blank', built.error))
          }
          onDone={(result) => {
            setCreated(result as Injection);
            props.onInjected();
          }}
        />
      </div>
      {created !== undefined && (
        <p role="status" className="inject-created">
          Injected <code>{created.id}</code> ({created.fault} into {created.target}): {created.status}
          {created.errors !== undefined && created.errors.length > 0 && `, ${created.errors.join('; ')}`}
        </p>
      )}
    </form>
  );
}

function ParamInput(props: {
  id: string;
  param: FaultParamInfo;
  value: string;
  onChange: (text: string) => void;
}) {
  const { param, id } = props;
  const helpId = `${id}-help`;
  const label = (
    <label htmlFor={id}>
      {param.name}
      {param.required && <span className="muted"> (required)</span>}
    </label>
  );
  const help = (
    <small id={helpId} className="muted help">
      {param.description}
      {param.range !== undefined && ` Range ${param.range}.`}
      {param.pattern !== undefined && ` Pattern ${param.pattern}.`}
      {param.default !== undefined && ` Default ${String(param.default)}.`}
    </small>
  );
  let input;
  if (param.values !== undefined) {
    input = (
      <select
        id={id}
        value={props.value}
        aria-describedby={helpId}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.value === '' && <option value="">choose…</option>}
        {param.values.map((value) => (
          <option key={String(value)} value={String(value)}>
            {String(value)}
          </option>
        ))}
      </select>
    );
  } else if (param.type === 'boolean') {
    input = (
      <input
        id={id}
        type="checkbox"
        checked={props.value === 'true'}
        aria-describedby={helpId}
        onChange={(e) => props.onChange(e.target.checked ? 'true' : 'false')}
      />
    );
  } else if (param.type === 'integer' || param.type === 'number') {
    input = (
      <input
        id={id}
        type="number"
        {...boundsOf(param.range)}
        step={param.type === 'integer' ? 1 : 'any'}
        value={props.value}
        required={param.required}
        aria-describedby={helpId}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  } else {
    input = (
      <input
        id={id}
        type="text"
        value={props.value}
        required={param.required}
        aria-describedby={helpId}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="inject-param">
      {label}
      {input}
      {help}
    </div>
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
