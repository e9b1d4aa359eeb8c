import type { TemplateSummary } from '@opsloop/aiops';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatDuration, formatTable } from '../format.js';

/** Options of `opsloop logs templates <service>`. */
export interface LogTemplatesOptions {
  file: string;
  stateDir?: string;
  service: string;
  limit: number;
  output: 'table' | 'json';
}

/** `opsloop logs templates <service>`: the templates the runtime mined from a service's output (viewer role). */
export async function logTemplates(options: LogTemplatesOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const body = (await callControlApi(
    state,
    'GET',
    `/v1/services/${encodeURIComponent(options.service)}/log-templates?limit=${options.limit}`,
  )) as { service: string; total: number; templates: TemplateSummary[] };
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(body, null, 2)}\n`
      : formatLogTemplates(body.templates, body.total, Date.now()),
  );
  return 0;
}

const EXAMPLE_WIDTH = 60;

/** Templates as a table: count, levels, first and last seen (ago), id, template, an example. */
export function formatLogTemplates(list: readonly TemplateSummary[], total: number, nowMs: number): string {
  if (list.length === 0) return 'no templates yet\n';
  const rows = list.map((t) => [
    String(t.count),
    Object.entries(t.levels)
      .map(([level, n]) => `${level}:${n}`)
      .join(' '),
    `${formatDuration(nowMs - t.firstSeenMs)} ago`,
    `${formatDuration(nowMs - t.lastSeenMs)} ago`,
    t.templateId,
    t.template,
    t.example.length > EXAMPLE_WIDTH ? `${t.example.slice(0, EXAMPLE_WIDTH - 1)}…` : t.example,
  ]);
  const table = formatTable(
    ['COUNT', 'LEVELS', 'FIRST SEEN', 'LAST SEEN', 'ID', 'TEMPLATE', 'EXAMPLE'],
    rows,
  );
  return `${table}\n${total > list.length ? `(${list.length} of ${total} templates; --limit for more)\n` : ''}`;
}
