import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
  service: string;
}

const statusSchema = z.object({
  service: z.string(),
  revision: z.string(),
  desiredReplicas: z.number(),
  updatedReplicas: z.number(),
  readyReplicas: z.number(),
  paused: z.boolean(),
  complete: z.boolean(),
  history: z.array(z.object({ revision: z.string(), at: z.string(), cause: z.string() })),
});
type Status = z.infer<typeof statusSchema>;

function parse(answer: unknown): Status {
  const parsed = statusSchema.safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected rollout document');
  return parsed.data;
}

const line = (s: Status) =>
  `${s.service}: revision ${s.revision}, ${s.updatedReplicas}/${s.desiredReplicas} updated, ${s.readyReplicas} ready` +
  (s.paused ? ', paused' : '') +
  (s.complete ? ' — rollout complete' : ' — rolling out');

/** `opsloop rollout status <service>` (viewer role). */
export async function rolloutStatus(options: Target & { output: 'text' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parse(
    await callControlApi(state, 'GET', `/v1/services/${encodeURIComponent(options.service)}/rollout`),
  );
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : `${line(status)}\n`,
  );
  return 0;
}

/** `opsloop rollout history <service>`: the revisions kept for undo, newest last (viewer role). */
export async function rolloutHistory(options: Target): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parse(
    await callControlApi(state, 'GET', `/v1/services/${encodeURIComponent(options.service)}/rollout`),
  );
  const rows = status.history.map((r) => [
    r.revision,
    r.at,
    r.cause,
    r.revision === status.revision ? '*' : '',
  ]);
  process.stdout.write(`${formatTable(['REVISION', 'SINCE', 'CAUSE', 'CURRENT'], rows)}\n`);
  return 0;
}

/** `opsloop rollout pause|resume|undo|restart <service>` (operator role). */
export async function rolloutAction(
  options: Target & { action: 'pause' | 'resume' | 'undo' | 'restart'; toRevision?: string },
): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parse(
    await callControlApi(
      state,
      'POST',
      `/v1/services/${encodeURIComponent(options.service)}/rollout/${options.action}`,
      30_000,
      options.toRevision === undefined ? {} : { toRevision: options.toRevision },
    ),
  );
  process.stdout.write(`${options.action}: ${line(status)}\n`);
  return 0;
}
