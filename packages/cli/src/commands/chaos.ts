import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { CliError } from '../cli-error.js';
import { formatDuration, formatTable } from '../format.js';

/** Where a chaos command finds the runtime, and how it prints. */
export interface ChaosCommonOptions {
  file: string;
  stateDir?: string;
  output: 'table' | 'json';
}

/** A fault of the catalogue as the control API lists it. */
interface FaultInfo {
  name: string;
  summary: string;
  scope?: string;
  params?: { name: string; default?: unknown; required?: boolean; description?: string }[];
}

/** An injection as the control API returns it. */
export interface InjectionInfo {
  id: string;
  fault: string;
  target: string;
  replica?: string;
  params?: Record<string, unknown>;
  status: string;
  startedAt: string;
  endsAt?: string | null;
  endedAt?: string | null;
  replicas?: string[];
  errors?: string[];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const valueText = (value: unknown) =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** `opsloop chaos list`: the fault library (viewer role). */
export async function chaosList(options: ChaosCommonOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const { faults } = (await callControlApi(state, 'GET', '/v1/chaos/faults')) as { faults: FaultInfo[] };
  if (options.output === 'json') {
    process.stdout.write(json(faults));
    return 0;
  }
  const params = (f: FaultInfo) =>
    (f.params ?? [])
      .map((p) => (p.required === true ? `${p.name}=<required>` : `${p.name}=${valueText(p.default)}`))
      .join(' ');
  process.stdout.write(
    `${formatTable(
      ['FAULT', 'SCOPE', 'PARAMS (defaults)', 'WHAT IT DOES'],
      faults.map((f) => [f.name, f.scope ?? '', params(f), f.summary]),
    )}\n`,
  );
  return 0;
}

/** Options of `opsloop chaos inject`. */
export interface ChaosInjectOptions extends ChaosCommonOptions {
  target: string;
  replica?: string;
  param: string[];
  /** Milliseconds; the fault's own default when absent. */
  duration?: number;
}

/** `k=v` pairs of `--param` as an object; a pair without `=` or a repeated key is an error. */
export function paramPairs(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--param "${pair}" is not key=value`);
    const key = pair.slice(0, at);
    if (Object.hasOwn(params, key)) throw new CliError(`--param ${key} is given twice`);
    params[key] = pair.slice(at + 1);
  }
  return params;
}

/** `opsloop chaos inject <fault> --target <service>`: starts an injection, prints its id (operator role). */
export async function chaosInject(fault: string, options: ChaosInjectOptions): Promise<number> {
  const params = paramPairs(options.param);
  const state = await findRuntime(stateDirFor(options));
  const injection = (await callControlApi(state, 'POST', '/v1/chaos/injections', 30_000, {
    fault,
    target: options.target,
    ...(options.replica === undefined ? {} : { replica: options.replica }),
    params,
    ...(options.duration === undefined ? {} : { durationSeconds: options.duration / 1000 }),
  })) as InjectionInfo;
  process.stdout.write(options.output === 'json' ? json(injection) : `${injection.id}\n`);
  return 0;
}

/** `opsloop chaos clear <id>`: ends an injection now (operator role). */
export async function chaosClear(id: string, options: ChaosCommonOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const injection = (await callControlApi(
    state,
    'DELETE',
    `/v1/chaos/injections/${encodeURIComponent(id)}`,
    30_000,
  )) as InjectionInfo;
  process.stdout.write(options.output === 'json' ? json(injection) : `${injection.id} ${injection.status}\n`);
  return 0;
}

/** `opsloop chaos status [id]`: injections, newest first, or one (viewer role). */
export async function chaosStatus(id: string | undefined, options: ChaosCommonOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const list =
    id === undefined
      ? ((await callControlApi(state, 'GET', '/v1/chaos/injections')) as { injections: InjectionInfo[] })
          .injections
      : [
          (await callControlApi(
            state,
            'GET',
            `/v1/chaos/injections/${encodeURIComponent(id)}`,
          )) as InjectionInfo,
        ];
  process.stdout.write(
    options.output === 'json' ? json(id === undefined ? list : list[0]) : formatInjections(list, Date.now()),
  );
  return 0;
}

/** Injections as a table: id, fault, where, status, since when, for how long, parameters. */
export function formatInjections(list: readonly InjectionInfo[], nowMs: number): string {
  if (list.length === 0) return 'no injections\n';
  const rows = list.map((i) => {
    const started = Date.parse(i.startedAt);
    const ended = i.endedAt ? Date.parse(i.endedAt) : undefined;
    const left = i.endsAt && ended === undefined ? Date.parse(i.endsAt) - nowMs : undefined;
    return [
      i.id,
      i.fault,
      i.replica ?? i.target,
      i.status.toUpperCase(),
      new Date(started).toISOString().replace('T', ' ').slice(0, 19),
      ended !== undefined
        ? `ran ${formatDuration(ended - started)}`
        : left !== undefined
          ? `${formatDuration(Math.max(0, left))} left`
          : 'until cleared',
      Object.entries(i.params ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' '),
      (i.errors ?? []).join('; '),
    ];
  });
  return `${formatTable(['ID', 'FAULT', 'TARGET', 'STATUS', 'STARTED (UTC)', 'DURATION', 'PARAMS', 'ERRORS'], rows)}\n`;
}
