import { systemStatusSchema } from '@opsloop/contracts';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatDuration, formatTable } from '../format.js';

/** Options of `opsloop status`. */
export interface StatusOptions {
  file: string;
  stateDir?: string;
  output: 'table' | 'json';
}

/** `opsloop status`: a table of services and replicas of the running system. */
export async function status(options: StatusOptions, now = Date.now()): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const parsed = systemStatusSchema.safeParse(await callControlApi(state, 'GET', '/v1/status'));
  if (!parsed.success) throw new CliError('the control API answered with an unexpected status document');
  const system = parsed.data;
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(system, null, 2)}\n`);
    return 0;
  }
  const rows: string[][] = [];
  for (const service of system.services) {
    for (const r of service.replicas) {
      rows.push([
        service.name,
        r.name,
        r.phase,
        r.ready ? 'yes' : 'no',
        String(r.restarts),
        r.startedAt && r.phase === 'running' ? formatDuration(now - Date.parse(r.startedAt)) : '-',
        r.port === null ? '-' : String(r.port),
        r.pid === null ? '-' : String(r.pid),
        r.lastExit ? `${r.lastExit.reason} ${formatDuration(now - Date.parse(r.lastExit.at))} ago` : '-',
      ]);
    }
    if (service.replicas.length === 0)
      rows.push([service.name, '-', 'no replicas', '-', '-', '-', '-', '-', '-']);
  }
  const summary = system.services
    .map((s) => `${s.name} ${s.readyReplicas}/${s.desiredReplicas}${s.exposed ? ` at ${s.exposed}` : ''}`)
    .join(', ');
  process.stdout.write(
    `system ${system.system} (up ${formatDuration(now - Date.parse(system.startedAt))}): ${summary}\n\n` +
      `${formatTable(['SERVICE', 'REPLICA', 'PHASE', 'READY', 'RESTARTS', 'UPTIME', 'PORT', 'PID', 'LAST EXIT'], rows)}\n`,
  );
  return 0;
}
