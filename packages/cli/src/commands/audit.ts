import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

const recordSchema = z.object({
  at: z.string(),
  actor: z.object({ name: z.string(), role: z.string() }).nullable(),
  method: z.string(),
  route: z.string(),
  params: z.record(z.string(), z.string()),
  status: z.number(),
  result: z.string(),
  summary: z.string().optional(),
});

/** `opsloop audit`: the last mutating and refused control API calls (admin role). */
export async function audit(options: {
  file: string;
  stateDir?: string;
  limit: number;
  output: 'table' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const parsed = z
    .object({ records: z.array(recordSchema) })
    .safeParse(await callControlApi(state, 'GET', `/v1/audit?limit=${options.limit}`));
  if (!parsed.success) throw new CliError('the control API answered with an unexpected audit document');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(parsed.data, null, 2)}\n`);
    return 0;
  }
  const rows = parsed.data.records.map((r) => {
    let what = r.route;
    for (const [key, value] of Object.entries(r.params)) what = what.replace(`:${key}`, value);
    return [
      r.at,
      r.actor ? `${r.actor.name} (${r.actor.role})` : '-',
      `${r.method} ${what}`,
      `${r.status} ${r.result}`,
      r.summary ?? '',
    ];
  });
  process.stdout.write(`${formatTable(['TIME', 'WHO', 'WHAT', 'RESULT', 'SUMMARY'], rows)}\n`);
  return 0;
}
