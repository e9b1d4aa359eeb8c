import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.js';
import { ProblemError } from './problem.js';

/** The env variable that makes a replica fail a fraction of its requests (rollout tests, game days). */
export const FAULT_ERROR_RATE_ENV = 'FAULT_ERROR_RATE';

/**
 * The fraction of requests to fail, from `FAULT_ERROR_RATE` (0–1), or undefined when unset or 0. Like
 * Envoy's fault filter, for trying what a bad release does (a canary's analysis must catch it); never set
 * it in a real deployment.
 */
export function faultErrorRateFrom(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[FAULT_ERROR_RATE_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new ConfigError([
      `${FAULT_ERROR_RATE_ENV}: expected a fraction from 0 to 1 (got ${JSON.stringify(raw)})`,
    ]);
  return rate === 0 ? undefined : rate;
}

/**
 * Answers `rate` of the requests of non-internal routes (not probes, not /metrics) with a 500 problem, before
 * their handler runs; they are measured and logged like any failed request. `random` is injected for tests.
 */
export function installFaultInjection(
  app: FastifyInstance,
  rate: number,
  random: () => number = Math.random,
): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const internal = (request.routeOptions.config as { internal?: boolean } | undefined)?.internal === true;
    if (internal || random() >= rate) {
      done();
      return;
    }
    done(new ProblemError('internalError', { detail: `fault injected (${FAULT_ERROR_RATE_ENV})` }));
  });
}
