import { InvalidArgumentError } from 'commander';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

/** A matcher as Alertmanager's API v2 carries it. */
export interface ApiMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence as `GET /api/v2/silences` lists it. */
export interface ApiSilence {
  id: string;
  matchers: ApiMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

const MATCHER = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)(.*)$/;
const OPERATORS: Record<string, Pick<ApiMatcher, 'isRegex' | 'isEqual'>> = {
  '=': { isRegex: false, isEqual: true },
  '!=': { isRegex: false, isEqual: false },
  '=~': { isRegex: true, isEqual: true },
  '!~': { isRegex: true, isEqual: false },
};

/** `alertname=ServiceDown`, `service!=orders`, `severity=~"page|ticket"` (quotes optional). */
export function parseMatcherArgument(text: string): ApiMatcher {
  const match = MATCHER.exec(text);
  if (match === null)
    throw new InvalidArgumentError(
      `"${text}" is not a matcher (name=value, name!=value, name=~regex or name!~regex)`,
    );
  const [, name, op, raw] = match;
  const value = /^"(.*)"$/.exec(raw!)?.[1] ?? raw!;
  return { name: name!, value, ...OPERATORS[op!]! };
}

function matcherText(m: ApiMatcher): string {
  return `${m.name}${m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!='}${JSON.stringify(m.value)}`;
}

/** `opsloop silence add`: mutes matching alerts' notifications from now for `durationMs` (operator role). */
export async function silenceAdd(options: {
  file: string;
  stateDir?: string;
  matchers: ApiMatcher[];
  durationMs: number;
  comment: string;
  author: string;
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const now = Date.now();
  const body = (await callControlApi(state, 'POST', '/api/v2/silences', 10_000, {
    matchers: options.matchers,
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + options.durationMs).toISOString(),
    createdBy: options.author,
    comment: options.comment,
  })) as { silenceID: string };
  process.stdout.write(`${body.silenceID}\n`);
  return 0;
}

/** `opsloop silence ls`: every silence, active first (viewer role). */
export async function silenceList(options: {
  file: string;
  stateDir?: string;
  output: 'table' | 'json';
  expired: boolean;
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const list = (await callControlApi(state, 'GET', '/api/v2/silences')) as ApiSilence[];
  const shown = options.expired ? list : list.filter((s) => s.status.state !== 'expired');
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : formatSilences(shown, Date.now()),
  );
  return 0;
}

/** `opsloop silence expire <id>`: ends a silence now (operator role). */
export async function silenceExpire(options: {
  file: string;
  stateDir?: string;
  id: string;
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  await callControlApi(state, 'DELETE', `/api/v2/silence/${encodeURIComponent(options.id)}`);
  process.stdout.write(`silence ${options.id} expired\n`);
  return 0;
}

function remaining(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${Math.max(0, minutes)}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

/** The silences as a table: id, state, matchers, time left (or since when expired), author, comment. */
export function formatSilences(list: readonly ApiSilence[], nowMs: number): string {
  if (list.length === 0) return 'no silences\n';
  const rows = list.map((s) => [
    s.id,
    s.status.state.toUpperCase(),
    s.matchers.map(matcherText).join(' '),
    s.status.state === 'expired'
      ? `ended ${remaining(nowMs - Date.parse(s.endsAt))} ago`
      : s.status.state === 'pending'
        ? `starts in ${remaining(Date.parse(s.startsAt) - nowMs)}`
        : `${remaining(Date.parse(s.endsAt) - nowMs)} left`,
    s.createdBy,
    s.comment,
  ]);
  return `${formatTable(['ID', 'STATE', 'MATCHERS', 'ENDS', 'BY', 'COMMENT'], rows)}\n`;
}
