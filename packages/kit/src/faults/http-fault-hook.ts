import type { ProblemTypeCode } from '@opsloop/contracts';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../problem.js';
import { faultPoint } from './current-fault-registry.js';
import { isFaultInjectedError } from './fault-injected-error.js';
import { FAULT_POINTS, type FaultHttpStatus } from './fault-spec.js';

/** The catalogue's problem type for each status an `errors` fault may answer with. */
const PROBLEM_OF_STATUS: Record<FaultHttpStatus, ProblemTypeCode> = {
  400: 'validationFailed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'resourceNotFound',
  409: 'conflict',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'rateLimited',
  500: 'internalError',
  502: 'badGateway',
  503: 'serviceUnavailable',
  504: 'upstreamTimeout',
};

/**
 * The `http` fault point: before the handler of every non-internal route (not the probes, /metrics or the
 * fault endpoint), a stall or latency fault delays the request and an `errors` fault answers it with the
 * catalogue's problem for the injected status. The problem says nothing of a fault: it looks like the real
 * failure it stands for. Without a fault at `http` the hook costs one lookup.
 */
export function installHttpFaults(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const internal = (request.routeOptions.config as { internal?: boolean } | undefined)?.internal === true;
    const fault = internal ? undefined : faultPoint(FAULT_POINTS.http);
    if (fault === undefined) {
      done();
      return;
    }
    fault.then(
      () => done(),
      (error: unknown) =>
        done(
          isFaultInjectedError(error) ? new ProblemError(PROBLEM_OF_STATUS[error.status]) : (error as Error),
        ),
    );
  });
}
