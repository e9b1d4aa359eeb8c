import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
}

const flagSchema = z.object({
  state: z.enum(['ENABLED', 'DISABLED']),
  variants: z.record(z.string(), z.unknown()),
  defaultVariant: z.string().nullable().optional(),
  targeting: z.unknown().optional(),
});
const snapshotSchema = z.object({
  resourceVersion: z.number(),
  document: z.object({ flags: z.record(z.string(), flagSchema) }).passthrough(),
});

async function snapshot(options: Target) {
  const state = await findRuntime(stateDirFor(options));
  const parsed = snapshotSchema.safeParse(await callControlApi(state, 'GET', '/v1/flags'));
  if (!parsed.success) throw new CliError('the control API answered with an unexpected flags document');
  return { state, flags: parsed.data.document.flags, resourceVersion: parsed.data.resourceVersion };
}

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** `opsloop flags list`: every flag with its state, default variant and value. */
export async function listFlags(options: Target & { output: 'table' | 'json' }): Promise<number> {
  const { flags, resourceVersion } = await snapshot(options);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify({ resourceVersion, flags }, null, 2)}\n`);
    return 0;
  }
  const rows = Object.entries(flags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, flag]) => [
      key,
      flag.state,
      flag.defaultVariant ?? '-',
      flag.defaultVariant ? shown(flag.variants[flag.defaultVariant]) : '-',
      Object.keys(flag.variants).join(', '),
      flag.targeting === undefined ? 'no' : 'yes',
    ]);
  if (rows.length === 0) {
    process.stdout.write('no flags (declare them under flags: or flagsFile: in the spec)\n');
    return 0;
  }
  process.stdout.write(
    `${formatTable(['FLAG', 'STATE', 'DEFAULT', 'VALUE', 'VARIANTS', 'TARGETING'], rows)}\n`,
  );
  return 0;
}

/** `opsloop flags get <key>`: one flag's definition as JSON. */
export async function getFlag(options: Target & { key: string }): Promise<number> {
  const { flags } = await snapshot(options);
  const flag = flags[options.key];
  if (flag === undefined) throw new CliError(`no flag named "${options.key}"`);
  process.stdout.write(`${JSON.stringify({ [options.key]: flag }, null, 2)}\n`);
  return 0;
}

/**
 * `opsloop flags set <key> [--variant v] [--on|--off]`: changes a flag's default variant and/or state
 * (operator role); services see it within a second, without a restart.
 */
export async function setFlag(
  options: Target & { key: string; variant?: string; state?: 'ENABLED' | 'DISABLED' },
): Promise<number> {
  if (options.variant === undefined && options.state === undefined)
    throw new CliError('nothing to set: give --variant <name>, --on or --off');
  const state = await findRuntime(stateDirFor(options));
  await callControlApi(state, 'PATCH', `/v1/flags/${encodeURIComponent(options.key)}`, 10_000, {
    ...(options.variant === undefined ? {} : { defaultVariant: options.variant }),
    ...(options.state === undefined ? {} : { state: options.state }),
  });
  process.stdout.write(
    `flag ${options.key}: ${[
      options.state?.toLowerCase(),
      options.variant && `default variant ${options.variant}`,
    ]
      .filter(Boolean)
      .join(', ')}\n`,
  );
  return 0;
}
