import { z } from 'zod';
import { serviceStatusSchema } from '@opsloop/contracts';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

const describedSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  status: serviceStatusSchema,
  rollout: z.object({ revision: z.string(), paused: z.boolean(), complete: z.boolean() }).passthrough(),
  autoscaling: z.object({ desired: z.number(), reason: z.string() }).passthrough().nullable(),
  events: z.array(z.object({ at: z.string(), type: z.string() }).passthrough()),
});

const compact = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * `opsloop describe <service>`: its spec (sensitive values masked), replicas, rollout, last autoscaling
 * decision and recent events, like `kubectl describe` (viewer role).
 */
export async function describeService(options: {
  file: string;
  stateDir?: string;
  service: string;
  output: 'text' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const answer = await callControlApi(state, 'GET', `/v1/services/${encodeURIComponent(options.service)}`);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  }
  const parsed = describedSchema.safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected service document');
  const { spec, status, rollout, autoscaling, events } = parsed.data;
  const fields: [string, string][] = [
    ['Name', status.name],
    ['Command', Array.isArray(spec.command) ? spec.command.join(' ') : compact(spec.command)],
    ['Replicas', `${status.desiredReplicas} desired, ${status.readyReplicas} ready`],
    [
      'Revision',
      `${rollout.revision}${rollout.paused ? ' (paused)' : ''}${rollout.complete ? '' : ' (rolling out)'}`,
    ],
    ['Exposed', status.exposed ?? '-'],
    ['Strategy', compact(spec.strategy)],
    ['Resources', compact(spec.resources)],
    ['Probes', compact(spec.probes)],
    ['Env', compact(spec.env)],
    ['Inject', compact(spec.inject)],
    ['Depends on', compact(spec.dependsOn)],
    ['Autoscaling', autoscaling === null ? '-' : `desired ${autoscaling.desired}: ${autoscaling.reason}`],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  let text = fields.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n');
  const replicaRows = status.replicas.map((r) => [
    r.name,
    r.phase,
    r.ready ? 'yes' : 'no',
    String(r.restarts),
    r.revision ?? '-',
    r.lastExit ? r.lastExit.reason : '-',
  ]);
  text += `\n\nReplicas:\n${formatTable(['NAME', 'PHASE', 'READY', 'RESTARTS', 'REVISION', 'LAST EXIT'], replicaRows)}`;
  text += `\n\nEvents:\n${
    events.length === 0
      ? '  none'
      : events
          .map((e) => {
            const { at, type, ...rest } = e;
            const detail = Object.entries(rest)
              .filter(([k]) => !['seq', 'service'].includes(k))
              .map(([k, v]) => `${k}=${compact(v)}`)
              .join(' ');
            return `  ${at}  ${type}  ${detail}`;
          })
          .join('\n')
  }\n`;
  process.stdout.write(text);
  return 0;
}
