import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
  service: string;
}

const checkSchema = z.object({ name: z.string(), verdict: z.string(), detail: z.string() }).passthrough();
const progressSchema = z
  .object({
    strategy: z.string(),
    stableRevision: z.string(),
    newRevision: z.string(),
    weight: z.number(),
    step: z.number(),
    steps: z.number(),
    phase: z.string(),
    message: z.string().optional(),
    analyses: z.array(
      z
        .object({ at: z.string(), weight: z.number(), verdict: z.string(), checks: z.array(checkSchema) })
        .passthrough(),
    ),
  })
  .passthrough();

const statusSchema = z.object({
  service: z.string(),
  strategy: z.string().default('RollingUpdate'),
  revision: z.string(),
  stableRevision: z.string().optional(),
  progress: progressSchema.optional(),
  lastOutcome: z
    .object({
      result: z.string(),
      revision: z.string(),
      other: z.string(),
      at: z.string(),
      reason: z.string().optional(),
    })
    .optional(),
  preview: z
    .object({ discovery: z.string(), url: z.string().nullable(), endpoints: z.array(z.string()) })
    .optional(),
  desiredReplicas: z.number(),
  updatedReplicas: z.number(),
  readyReplicas: z.number(),
  paused: z.boolean(),
  complete: z.boolean(),
  history: z.array(z.object({ revision: z.string(), at: z.string(), cause: z.string() })),
});
type Status = z.infer<typeof statusSchema>;

/** A service's rollout document from the control API, checked. */
export function parseRolloutStatus(answer: unknown): Status {
  const parsed = statusSchema.safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected rollout document');
  return parsed.data;
}

const line = (s: Status) =>
  `${s.service}: revision ${s.revision}, ${s.updatedReplicas}/${s.desiredReplicas} updated, ${s.readyReplicas} ready` +
  (s.paused ? ', paused' : '') +
  (s.complete ? ' — rollout complete' : ' — rolling out');

/** The lines `rollout status` adds for a blue-green or canary rollout and the last outcome. */
function details(s: Status): string[] {
  const lines: string[] = [];
  const p = s.progress;
  if (p !== undefined) {
    lines.push(
      p.strategy === 'Canary'
        ? `  canary ${p.newRevision}: ${p.weight} % of new requests, step ${p.step}/${p.steps + 1}, ${p.phase} (stable ${p.stableRevision})`
        : `  blue-green ${p.newRevision}: ${p.phase}, active ${p.stableRevision}`,
    );
    if (p.message !== undefined) lines.push(`  ${p.message}`);
    const last = p.analyses.at(-1);
    if (last !== undefined) {
      lines.push(`  last analysis at ${last.weight} % (${last.at}): ${last.verdict}`);
      for (const c of last.checks) lines.push(`    ${c.name}: ${c.verdict} — ${c.detail}`);
    }
  }
  if (s.preview !== undefined)
    lines.push(
      `  preview: ${s.preview.url ?? s.preview.discovery} (${s.preview.endpoints.join(', ') || 'no ready replica yet'})`,
    );
  const o = s.lastOutcome;
  if (o !== undefined)
    lines.push(
      o.result === 'promoted'
        ? `  last rollout: ${o.revision} promoted at ${o.at} (replaced ${o.other})`
        : `  last rollout: ${o.other} rolled back to ${o.revision} at ${o.at}: ${o.reason ?? 'aborted'}`,
    );
  return lines;
}

/** `opsloop rollout status <service>` (viewer role). */
export async function rolloutStatus(options: Target & { output: 'text' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parseRolloutStatus(
    await callControlApi(state, 'GET', `/v1/services/${encodeURIComponent(options.service)}/rollout`),
  );
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(status, null, 2)}\n`
      : `${[`${line(status)} (${status.strategy})`, ...details(status)].join('\n')}\n`,
  );
  return 0;
}

/** `opsloop rollout history <service>`: the revisions kept for undo, newest last (viewer role). */
export async function rolloutHistory(options: Target): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parseRolloutStatus(
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

/** What `opsloop rollout <action>` can do. */
export type RolloutActionName =
  'pause' | 'resume' | 'undo' | 'restart' | 'promote' | 'promote-full' | 'abort';

/** `opsloop rollout pause|resume|undo|restart|promote|abort <service>` (operator role). */
export async function rolloutAction(
  options: Target & { action: RolloutActionName; toRevision?: string },
): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const status = parseRolloutStatus(
    await callControlApi(
      state,
      'POST',
      `/v1/services/${encodeURIComponent(options.service)}/rollout/${options.action}`,
      30_000,
      options.toRevision === undefined ? {} : { toRevision: options.toRevision },
    ),
  );
  process.stdout.write(`${[`${options.action}: ${line(status)}`, ...details(status)].join('\n')}\n`);
  return 0;
}
