import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

const releaseSchema = z.object({
  group: z.string(),
  phase: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  members: z.array(
    z.object({ service: z.string(), from: z.string(), to: z.string().nullable(), state: z.string() }),
  ),
});
const answerSchema = z.object({ releases: z.array(releaseSchema) });

/** `opsloop releases`: the latest release of each release group, member by member (viewer role). */
export async function releases(options: {
  file: string;
  stateDir?: string;
  output: 'text' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const parsed = answerSchema.safeParse(await callControlApi(state, 'GET', '/v1/releases'));
  if (!parsed.success) throw new CliError('the control API answered with an unexpected releases document');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(parsed.data.releases, null, 2)}\n`);
    return 0;
  }
  if (parsed.data.releases.length === 0) {
    process.stdout.write('no release of a release group since the runtime started\n');
    return 0;
  }
  const rows = parsed.data.releases.flatMap((r) =>
    r.members.map((m, i) => [
      i === 0 ? r.group : '',
      i === 0 ? r.phase : '',
      m.service,
      `${m.from} → ${m.to ?? '(pending)'}`,
      m.state,
    ]),
  );
  const notes = parsed.data.releases
    .filter((r) => r.message !== undefined)
    .map((r) => `${r.group}: ${r.message}`);
  process.stdout.write(
    `${formatTable(['GROUP', 'PHASE', 'SERVICE', 'REVISION', 'STATE'], rows)}\n${notes.map((n) => `${n}\n`).join('')}`,
  );
  return 0;
}
