import { createInterface } from 'node:readline';
import { request } from 'undici';
import { problemDocumentSchema } from '@opsloop/contracts';
import { CliError } from '../cli-error.js';
import { findRuntime, stateDirFor } from '../control-client.js';

/**
 * `opsloop logs <service> [-F] [--tail n]`: the service's replica output (secrets already masked by the
 * runtime), each line prefixed with its replica; `--follow` (`-F`) follows new lines until Ctrl-C (viewer role).
 */
export async function logs(options: {
  file: string;
  stateDir?: string;
  service: string;
  follow: boolean;
  tail: number;
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const token = process.env.OPSLOOP_TOKEN?.trim() || state.token;
  const query = new URLSearchParams({ tail: String(options.tail), follow: String(options.follow) });
  let response;
  try {
    response = await request(
      `${state.controlUrl}/v1/services/${encodeURIComponent(options.service)}/logs?${query.toString()}`,
      { headers: { authorization: `Bearer ${token}` }, headersTimeout: 10_000, bodyTimeout: 0 },
    );
  } catch (error) {
    throw new CliError(
      `cannot reach the control API: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (response.statusCode >= 400) {
    const problem = problemDocumentSchema.safeParse(await response.body.json().catch(() => undefined));
    throw new CliError(
      problem.success
        ? `control API: ${problem.data.detail ?? problem.data.title}`
        : `control API answered ${response.statusCode}`,
    );
  }
  for await (const text of createInterface({ input: response.body, crlfDelay: Infinity })) {
    if (text === '') continue;
    try {
      const { replica, line } = JSON.parse(text) as { replica: string; line: string };
      process.stdout.write(`${replica} | ${line}\n`);
    } catch {
      // A line cut by a closing connection: nothing to show.
    }
  }
  return 0;
}
