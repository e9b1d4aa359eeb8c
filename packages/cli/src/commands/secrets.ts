import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
}

/** Splits `key=value` (the first `=`); a clear error otherwise. */
function pair(text: string, what: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliError(`expected ${what} as key=value, got "${text.slice(0, 40)}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * `opsloop secrets set <name> [key=value …] [--from-file key=path …]`: stores a secret (encrypted with the
 * user's key) and rolls the services that inject it (admin role). `--from-file` keeps values out of the shell
 * history.
 */
export async function setSecret(
  options: Target & { name: string; pairs: string[]; fromFile: string[] },
): Promise<number> {
  const data: Record<string, string> = {};
  for (const text of options.pairs) {
    const [key, value] = pair(text, 'a value');
    data[key] = value;
  }
  for (const text of options.fromFile) {
    const [key, path] = pair(text, '--from-file');
    try {
      data[key] = await readFile(path, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (Object.keys(data).length === 0)
    throw new CliError('nothing to set: give key=value or --from-file key=path');
  const state = await findRuntime(stateDirFor(options));
  const answer = z
    .object({ secret: z.object({ revision: z.number() }), rolled: z.array(z.string()) })
    .safeParse(
      await callControlApi(state, 'PUT', `/v1/secrets/${encodeURIComponent(options.name)}`, 60_000, { data }),
    );
  if (!answer.success) throw new CliError('the control API answered with an unexpected secret document');
  process.stdout.write(
    `secret ${options.name} set (revision ${answer.data.secret.revision}, keys ${Object.keys(data).join(', ')})${
      answer.data.rolled.length > 0 ? `; rolling update of ${answer.data.rolled.join(', ')}` : ''
    }\n`,
  );
  return 0;
}

/** `opsloop secrets list`: names, revisions, dates (never values). */
export async function listSecrets(options: Target & { output: 'table' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const answer = z
    .object({ secrets: z.array(z.object({ name: z.string(), revision: z.number(), updatedAt: z.string() })) })
    .safeParse(await callControlApi(state, 'GET', '/v1/secrets'));
  if (!answer.success) throw new CliError('the control API answered with an unexpected secret list');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(answer.data, null, 2)}\n`);
    return 0;
  }
  const rows = answer.data.secrets.map((s) => [s.name, String(s.revision), s.updatedAt]);
  process.stdout.write(`${formatTable(['SECRET', 'REVISION', 'UPDATED'], rows)}\n`);
  return 0;
}

/** `opsloop secrets delete <name>` (refused while a service injects it). */
export async function deleteSecret(options: Target & { name: string }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  await callControlApi(state, 'DELETE', `/v1/secrets/${encodeURIComponent(options.name)}`);
  process.stdout.write(`secret ${options.name} deleted\n`);
  return 0;
}
