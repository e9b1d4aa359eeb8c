import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeChange, type ServiceChange } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

/** Options of `opsloop apply`. */
export interface ApplyOptions {
  file: string;
  stateDir?: string;
  dryRun: boolean;
  output: 'text' | 'json';
}

const answerSchema = z.object({ dryRun: z.boolean(), changes: z.array(z.record(z.string(), z.unknown())) });

/**
 * `opsloop apply -f opsloop.yaml`: sends the spec to the running system, prints what changes (one line per
 * service) and lets the controllers reconcile (admin role). `--dry-run` prints the diff and changes nothing.
 */
export async function apply(options: ApplyOptions): Promise<number> {
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const state = await findRuntime(stateDirFor(options));
  const answer = answerSchema.safeParse(
    await callControlApi(state, 'POST', '/v1/apply', 60_000, {
      spec: text,
      file: options.file,
      dryRun: options.dryRun,
    }),
  );
  if (!answer.success) throw new CliError('the control API answered with an unexpected apply document');
  const changes = answer.data.changes as unknown as ServiceChange[];
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(answer.data, null, 2)}\n`);
    return 0;
  }
  if (changes.length === 0) {
    process.stdout.write('no changes: the running system already matches the spec\n');
    return 0;
  }
  for (const change of changes) process.stdout.write(`${describeChange(change)}\n`);
  process.stdout.write(
    options.dryRun
      ? '(dry run: nothing was changed)\n'
      : 'applied: follow the progress with "opsloop status"\n',
  );
  return 0;
}
