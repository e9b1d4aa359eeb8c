import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { serviceNameSchema } from '@opsloop/contracts';
import { parseInput } from '@opsloop/kit';
import { goldenSignalFleetQueries, goldenSignalQueries } from '@opsloop/telemetry';
import type { Role } from './tokens.js';

/** A rate window as PromQL writes it, one unit: `30s`, `1m`, `5m`, `1h` (up to a day). */
const windowSchema = z
  .string()
  .regex(/^[1-9]\d{0,4}[smh]$/, 'expected a PromQL duration such as 30s, 1m or 5m')
  .refine(
    (window) =>
      Number(window.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[window.slice(-1) as 's' | 'm' | 'h'] <= 86_400,
    'expected a duration of at most 24h',
  );

/**
 * `GET /v1/signals?service=&window=`: the golden signals as PromQL (name, kind, title, unit, expr) for the
 * dashboard to query on `/api/v1/query_range`: one service's, or without `service` the fleet's (one series
 * per service, label `service`). The queries come from @opsloop/telemetry, the same the AIOps layer runs.
 */
export function registerSignalsRoute(app: FastifyInstance, roles: readonly Role[]): void {
  app.get('/v1/signals', { config: { roles } }, (request) => {
    const query = parseInput(
      z.strictObject({ service: serviceNameSchema.optional(), window: windowSchema.default('1m') }),
      request.query,
      'query',
    );
    const signals =
      query.service === undefined
        ? goldenSignalFleetQueries({ window: query.window })
        : goldenSignalQueries(query.service, { window: query.window });
    return {
      signals: signals.map(({ name, kind, title, unit, expr }) => ({ name, kind, title, unit, expr })),
    };
  });
}
