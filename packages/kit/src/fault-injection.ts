import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.js';

/**
 * `FAULT_ERROR_RATE` (base config, 0–1) makes a replica fail that fraction of its requests, like Envoy's
 * fault filter: for trying what a bad release does (a canary's analysis must catch it). Never set it in a
 * real deployment.
 */
export const FAULT_ERROR_RATE_ENV = 'FAULT_ERROR_RATE';

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
    // Like a real bug's answer: nothing in it (or in the log line it makes) says it was injected.
    done(new ProblemError('internalError'));
  });
}
