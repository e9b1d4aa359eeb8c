import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

const decisionSchema = z.object({
  at: z.number(),
  current: z.number(),
  ready: z.number(),
  desired: z.number(),
  limitedBy: z.string().nullable(),
  reason: z.string(),
});

/** `opsloop autoscaling <service>`: the autoscaler's last decisions with their reasons (viewer role). */
export async function autoscalingHistory(options: {
  file: string;
  stateDir?: string;
  service: string;
  limit: number;
  output: 'table' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const answer = await callControlApi(
    state,
    'GET',
    `/v1/services/${encodeURIComponent(options.service)}/autoscaling`,
  );
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  const parsed = z.object({ decisions: z.array(decisionSchema) }).safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected autoscaling document');
  const rows = parsed.data.decisions
    .slice(-options.limit)
    .map((d) => [
      new Date(d.at).toISOString(),
      `${d.current} (${d.ready} ready)`,
      String(d.desired),
      d.limitedBy ?? '-',
      d.reason,
    ]);
  process.stdout.write(`${formatTable(['TIME', 'REPLICAS', 'DESIRED', 'LIMITED BY', 'WHY'], rows)}\n`);
  return 0;
}
