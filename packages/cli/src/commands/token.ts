import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatTable } from '../format.js';

interface Target {
  file: string;
  stateDir?: string;
}

const tokenInfoSchema = z.object({
  name: z.string(),
  role: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  persistent: z.boolean(),
});

/** `opsloop token create <name> --role <role>`: prints a new API token once (admin role). */
export async function createToken(
  options: Target & { name: string; role: string; ttl?: number },
): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const answer = await callControlApi(state, 'POST', '/v1/tokens', 10_000, {
    name: options.name,
    role: options.role,
    ...(options.ttl === undefined ? {} : { ttlSeconds: options.ttl }),
  });
  const parsed = tokenInfoSchema.extend({ token: z.string() }).safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected token document');
  process.stderr.write(
    `token ${parsed.data.name} (${parsed.data.role})${
      parsed.data.expiresAt ? `, expires ${parsed.data.expiresAt}` : ''
    }: shown once, keep it secret; use it with OPSLOOP_TOKEN=<token> opsloop …\n`,
  );
  process.stdout.write(`${parsed.data.token}\n`);
  return 0;
}

/** `opsloop token list`: names, roles and dates of the tokens (never the tokens). */
export async function listTokens(options: Target & { output: 'table' | 'json' }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const parsed = z
    .object({ tokens: z.array(tokenInfoSchema) })
    .safeParse(await callControlApi(state, 'GET', '/v1/tokens'));
  if (!parsed.success) throw new CliError('the control API answered with an unexpected token list');
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify(parsed.data, null, 2)}\n`);
    return 0;
  }
  const rows = parsed.data.tokens.map((t) => [
    t.name,
    t.role,
    t.persistent ? 'api' : 'this run',
    t.createdAt,
    t.expiresAt ?? '-',
  ]);
  process.stdout.write(`${formatTable(['NAME', 'ROLE', 'KIND', 'CREATED', 'EXPIRES'], rows)}\n`);
  return 0;
}

/** `opsloop token revoke <name>`. */
export async function revokeToken(options: Target & { name: string }): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  await callControlApi(state, 'DELETE', `/v1/tokens/${encodeURIComponent(options.name)}`);
  process.stdout.write(`token ${options.name} revoked\n`);
  return 0;
}
