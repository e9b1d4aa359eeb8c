import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

/** Roles a dashboard link may sign in with. */
export const DASHBOARD_ROLES = ['viewer', 'operator', 'admin'] as const;

/** Twelve hours: a working day, after which the link no longer signs anyone in. */
export const DEFAULT_DASHBOARD_TTL_SECONDS = 12 * 3600;

/** Options of `opsloop dashboard`. */
export interface DashboardOptions {
  file: string;
  stateDir?: string;
  role: (typeof DASHBOARD_ROLES)[number];
  /** Seconds the token (and so the link) stays valid. */
  ttl: number;
}

const createdSchema = z.object({ name: z.string(), role: z.string(), token: z.string().min(1) });

/** `12`, `1.5`, `0.017`: hours as short as they can be said. */
const hours = (seconds: number) => String(Number((seconds / 3600).toPrecision(2)));

/**
 * `opsloop dashboard`: makes a short-lived token for the web dashboard (`POST /v1/tokens`, admin role) and
 * prints a link that signs in with it. The token rides in the URL fragment, which browsers never send.
 */
export async function dashboard(
  options: DashboardOptions,
  name = `dashboard-${randomBytes(3).toString('hex')}`,
): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const answer = await callControlApi(state, 'POST', '/v1/tokens', 10_000, {
    name,
    role: options.role,
    ttlSeconds: options.ttl,
  });
  const created = createdSchema.safeParse(answer);
  if (!created.success) throw new CliError('the control API answered with an unexpected token document');
  const link = `${new URL('/', state.controlUrl).href}#token=${encodeURIComponent(created.data.token)}`;
  process.stderr.write(
    `signs in as ${created.data.name} (${created.data.role}), valid for ${hours(options.ttl)} h; ` +
      'anyone with the link has that role until then\n',
  );
  process.stdout.write(`${link}\n`);
  return 0;
}
