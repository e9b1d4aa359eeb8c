import { useId, useState } from 'react';
import type { FaultInfo, FaultParamInfo, InjectionJson as Injection } from '@opsloop/contracts';
import type { InjectBody } from '../api/delivery-types.js';
import { ApiError } from '../api/problem.js';
import { useDashboard } from '../app/context.js';
import { ConfirmButton } from './confirm-button.js';
import { formatSeconds } from './format.js';
import { Empty } from './ui.js';

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
export function defaultDuration(fault: FaultInfo): string {
  if (fault.instant) return 'at once';
  return fault.defaultDurationMs === 0 ? 'until cleared' : durationWords(fault.defaultDurationMs / 1000);
}

/** A service the form can inject into, with the names of its replicas. */
export interface InjectTarget {
  name: string;
  replicas: readonly string[];
}

/** Where an injection goes, in words: `catalog-1 (catalog)` for one replica, else the service. */
function targetWords(service: string, replica: string | undefined): string {
  return replica === undefined || replica === '' ? service : `${replica} (${service})`;
}

/**
 * The body of `POST /v1/chaos/injections` from the form's texts (`replica` '' = all replicas of `target`;
 * `values` by param name, absent = the default), typed as the catalogue says (numbers as numbers, booleans
 * as booleans), or the first problem in words. Empty optional params are left out (the runtime fills in
 * defaults); the API checks ranges and that the replica exists.
 */
export function buildInjectBody(
  fault: FaultInfo,
  target: string,
  replica: string,
  values: Readonly<Record<string, string>>,
  durationText: string,
): { body: InjectBody } | { error: string } {
  if (target === '') return { error: 'choose a target service' };
  // Dropping the replica instead would widen the fault from one replica to the whole service.
  if (replica !== '' && fault.scope !== 'replica')
    return { error: `${fault.name} hits the whole service: it takes no replica` };
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
  const body: InjectBody = { fault: fault.name, target, ...(replica === '' ? {} : { replica }), params };
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

export function InjectForm(props: { faults: FaultInfo[]; services: InjectTarget[]; onInjected: () => void }) {
  const { api } = useDashboard();
  const [faultName, setFaultName] = useState('');
  const [target, setTarget] = useState('');
  const [chosenReplica, setChosenReplica] = useState('');
  // Edited texts per fault and param: switching faults keeps what was typed for each.
  const [values, setValues] = useState<Record<string, Record<string, string>>>({});
  const [duration, setDuration] = useState('');
  const [created, setCreated] = useState<Injection | undefined>(undefined);
  const ids = useId();

  const fault = props.faults.find((f) => f.name === faultName) ?? props.faults[0];
  if (fault === undefined) return <Empty>The fault catalogue is empty.</Empty>;
  if (props.services.length === 0) return <Empty>No service to inject into.</Empty>;
  const service = props.services.find((s) => s.name === target) ?? props.services[0]!;
  const replica = fault.scope === 'replica' ? chosenReplica : '';
  // A chosen replica that the status no longer lists stays chosen (the API refuses it) rather than
  // silently turning into all replicas.
  const replicaOptions =
    replica === '' || service.replicas.includes(replica) ? service.replicas : [...service.replicas, replica];
  const replicaHelp = replica !== '' && !fault.instant;
  const own = values[fault.name] ?? {};
  const built = buildInjectBody(fault, service.name, replica, own, duration);
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
          <select
            id={`${ids}-target`}
            value={service.name}
            onChange={(event) => {
              setTarget(event.target.value);
              setChosenReplica('');
            }}
          >
            {props.services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        {fault.scope === 'replica' && (
          <div>
            <label htmlFor={`${ids}-replica`}>Replica</label>
            <select
              id={`${ids}-replica`}
              value={replica}
              aria-describedby={replicaHelp ? `${ids}-replica-help` : undefined}
              onChange={(event) => setChosenReplica(event.target.value)}
            >
              <option value="">All replicas</option>
              {replicaOptions.map((name) => (
                <option key={name} value={name}>
                  {service.replicas.includes(name) ? name : `${name} (gone)`}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <p id={`${ids}-fault-help`} className="muted help">
        {fault.summary}
      </p>
      {replicaHelp && (
        <p id={`${ids}-replica-help`} className="muted help">
          Only {replica}: a restart of it ends the fault, and new replicas do not get it.
        </p>
      )}
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
          confirm={`Inject ${fault.name} into ${targetWords(service.name, replica)}${
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
          Injected <code>{created.id}</code> ({created.fault} into{' '}
          {targetWords(created.target, created.replica)}): {created.status}
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
