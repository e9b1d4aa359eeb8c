import { createInterface } from 'node:readline';
import { request } from 'undici';
import { problemDocumentSchema } from '@opsloop/contracts';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

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
  /** Search the log store instead of the live tail: entries of the last `sinceMs`. */
  sinceMs?: number;
  grep?: string;
  traceId?: string;
  level?: string;
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  if (
    !options.follow &&
    (options.sinceMs ?? options.grep ?? options.traceId ?? options.level) !== undefined
  ) {
    const query = logqlFor(options);
    const end = Date.now() * 1_000_000 + 1_000_000;
    const since = options.sinceMs ?? 3_600_000;
    const params = new URLSearchParams({
      query,
      start: String((Date.now() - since) * 1_000_000),
      end: String(end),
      limit: String(options.tail),
      direction: 'backward',
    });
    const body = (await callControlApi(state, 'GET', `/loki/api/v1/query_range?${params.toString()}`)) as {
      data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    const entries = body.data.result
      .flatMap((s) =>
        s.values.map(([ns, line]) => ({ ns: BigInt(ns), replica: s.stream.instance ?? '?', line })),
      )
      .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    for (const entry of entries) process.stdout.write(`${entry.replica} | ${entry.line}\n`);
    if (entries.length === 0) process.stderr.write(`no lines match ${query}\n`);
    return 0;
  }
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

/** The LogQL of a `logs` search: the service's streams, its level, then line filters (literal, not regex). */
export function logqlFor(options: {
  service: string;
  grep?: string;
  traceId?: string;
  level?: string;
}): string {
  const quote = (text: string) => JSON.stringify(text);
  const selector = [`service=${quote(options.service)}`];
  if (options.level !== undefined) selector.push(`level=${quote(options.level)}`);
  let query = `{${selector.join(', ')}}`;
  if (options.traceId !== undefined) query += ` |= ${quote(options.traceId)}`;
  if (options.grep !== undefined) query += ` |= ${quote(options.grep)}`;
  return query;
}
