import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

const eventSchema = z.object({ seq: z.number(), at: z.string(), type: z.string() }).passthrough();
const answerSchema = z.object({ events: z.array(eventSchema), last: z.number() });

/** One line per event: time, type, then its fields. */
function line(event: z.infer<typeof eventSchema>): string {
  const { at, type, ...rest } = event;
  const detail = Object.entries(rest)
    .filter(([key]) => key !== 'seq')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${at}  ${type.padEnd(18)} ${detail}`;
}

/** `opsloop events [--service s] [-F]`: what the runtime did, oldest first; `-F` keeps following (viewer). */
export async function events(options: {
  file: string;
  stateDir?: string;
  service?: string;
  follow: boolean;
  output: 'text' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  let after = 0;
  for (;;) {
    const query = new URLSearchParams({ after: String(after) });
    if (options.service) query.set('service', options.service);
    if (options.follow && after > 0) query.set('watch', '30');
    const parsed = answerSchema.safeParse(
      await callControlApi(state, 'GET', `/v1/events?${query.toString()}`, 45_000),
    );
    if (!parsed.success) throw new CliError('the control API answered with an unexpected events document');
    for (const event of parsed.data.events)
      process.stdout.write(options.output === 'json' ? `${JSON.stringify(event)}\n` : `${line(event)}\n`);
    after = Math.max(after, parsed.data.last);
    if (!options.follow) return 0;
    if (after === 0) await sleep(1000);
  }
}
