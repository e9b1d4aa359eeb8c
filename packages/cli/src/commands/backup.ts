import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
}

const serviceEntry = z.object({
  method: z.string(),
  error: z.string().optional(),
  bytes: z.number().optional(),
  copiedBytes: z.number().optional(),
  pausedMs: z.number().nullable().optional(),
  tookMs: z.number(),
});
const manifestSchema = z.object({
  id: z.string(),
  trigger: z.string(),
  startedAt: z.string(),
  tookMs: z.number(),
  ok: z.boolean(),
  services: z.record(z.string(), serviceEntry),
});
type Manifest = z.infer<typeof manifestSchema>;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const total = (m: Manifest, key: 'bytes' | 'copiedBytes') =>
  Object.values(m.services).reduce((sum, s) => sum + (s[key] ?? 0), 0);

/** `opsloop backup create`: backs up every service with `backup:` now (operator role). */
export async function backupCreate(options: Target & { output: 'table' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const raw = await callControlApi(state, 'POST', '/v1/backups', 600_000);
  const answer = manifestSchema.safeParse(raw);
  if (!answer.success) throw new CliError('the control API answered with an unexpected backup document');
  const m = answer.data;
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return 0;
  }
  const paused = Math.max(0, ...Object.values(m.services).map((s) => s.pausedMs ?? 0));
  process.stdout.write(
    `backup ${m.id} created: ${Object.keys(m.services).join(', ')} (${mb(total(m, 'bytes'))}, ${mb(total(m, 'copiedBytes'))} written, longest pause ${paused} ms, ${(m.tookMs / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}

/** `opsloop backup list`: the backups, newest first (viewer role). */
export async function backupList(options: Target & { output: 'table' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const raw = await callControlApi(state, 'GET', '/v1/backups');
  const answer = z.object({ backups: z.array(manifestSchema) }).safeParse(raw);
  if (!answer.success) throw new CliError('the control API answered with an unexpected backup list');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return 0;
  }
  if (answer.data.backups.length === 0) {
    process.stdout.write('no backups yet (opsloop backup create makes one)\n');
    return 0;
  }
  const rows = answer.data.backups.map((m) => [
    m.id,
    m.ok
      ? 'ok'
      : `failed: ${Object.entries(m.services)
          .filter(([, s]) => s.error !== undefined)
          .map(([name]) => name)
          .join(', ')}`,
    m.trigger,
    Object.keys(m.services).join(','),
    mb(total(m, 'bytes')),
    mb(total(m, 'copiedBytes')),
    `${(m.tookMs / 1000).toFixed(1)} s`,
  ]);
  process.stdout.write(
    `${formatTable(['BACKUP', 'STATUS', 'TRIGGER', 'SERVICES', 'SIZE', 'WRITTEN', 'TOOK'], rows)}\n`,
  );
  return 0;
}

/**
 * `opsloop backup restore <id> [--service <name>…] --yes` (admin role): replaces the services' live data with
 * the backup's (the replaced data is moved aside, never deleted); each service is stopped and started again.
 */
export async function backupRestore(
  options: Target & { id: string; service: string[]; yes: boolean; output: 'table' | 'json' },
): Promise<number> {
  if (!options.yes)
    throw new CliError(
      `restoring ${options.id} replaces the live data of ${options.service.length > 0 ? options.service.join(', ') : 'every service in it'} and restarts them: add --yes to go ahead`,
    );
  const state = await findRuntime(stateDirFor(options));
  const answer = z
    .object({
      id: z.string(),
      tookMs: z.number(),
      services: z.array(
        z.object({
          service: z.string(),
          ok: z.boolean(),
          tookMs: z.number(),
          movedAside: z.string().nullable(),
          error: z.string().optional(),
        }),
      ),
    })
    .safeParse(
      await callControlApi(
        state,
        'POST',
        `/v1/backups/${encodeURIComponent(options.id)}/restore`,
        900_000,
        options.service.length > 0 ? { services: options.service } : {},
      ),
    );
  if (!answer.success) throw new CliError('the control API answered with an unexpected restore document');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(answer.data, null, 2)}\n`);
    return 0;
  }
  for (const s of answer.data.services)
    process.stdout.write(
      `${s.service} restored from ${answer.data.id}, ready again in ${(s.tookMs / 1000).toFixed(1)} s${s.movedAside === null ? '' : `; the replaced data is in ${s.movedAside}`}\n`,
    );
  return 0;
}
