import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { PROBLEM_CONTENT_TYPE, ProblemError } from './problem.js';
import { toFieldErrors } from './validate.js';

function hasCode(error: unknown): error is FastifyError {
  return typeof error === 'object' && error !== null && 'code' in error;
}

/** Maps any error thrown while serving a request to a {@link ProblemError}; unknown errors become 500. */
export function toProblemError(error: unknown, bodyLimit: number): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof ZodError) {
    return new ProblemError('validationFailed', { errors: toFieldErrors(error, 'body'), cause: error });
  }
  if (hasCode(error)) {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new ProblemError('payloadTooLarge', {
          detail: `body exceeds the limit of ${bodyLimit} bytes`,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new ProblemError('unsupportedMediaType', { detail: 'send the body as application/json' });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new ProblemError('malformedBody', {
          detail: 'the body is empty but content-type is application/json',
        });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new ProblemError('malformedBody', { detail: error.message });
      case 'FST_ERR_BAD_URL':
        return new ProblemError('validationFailed', { detail: 'the URL is malformed' });
      default:
        break;
    }
    const status = error.statusCode ?? 500;
    if (error instanceof SyntaxError && status === 400) {
      return new ProblemError('malformedBody', { detail: 'the body is not valid JSON' });
    }
    if (status === 413) return new ProblemError('payloadTooLarge');
    if (status === 415) return new ProblemError('unsupportedMediaType');
    if (status >= 400 && status < 500) return new ProblemError('validationFailed', { detail: error.message });
  }
  return new ProblemError('internalError', { cause: error });
}

/** Path of the request without its query string (the query may carry values not meant to be echoed). */
export function instancePath(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/** Sends a problem document for `problem` as the reply to `request`. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: ProblemError,
): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) void reply.header(name, value);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toDocument(instancePath(request), request.id)));
}

/** Installs problem+json error and not-found handlers on `app`. */
export function installProblemHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblemError(error, bodyLimit);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: problem.code, detail: problem.detail }, 'request rejected');
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new ProblemError('routeNotFound', {
        detail: `no route for ${request.method} ${instancePath(request)}`,
      }),
    ),
  );
}
