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

/** Largest refused body the server still reads to the end before answering (see {@link drainRefusedBody}). */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;
const MAX_DRAIN_MS = 5_000;

/**
 * Reads and drops the rest of a request body the server refused (413), within bounds. Answering while the
 * client is still sending makes the kernel reset the connection (unread data at close), and the client then
 * sees ECONNRESET instead of the 413; draining first lets it read the problem document.
 */
export function drainRefusedBody(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('close', finish);
      raw.off('error', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_DRAIN_BYTES) finish();
    };
    const timer = setTimeout(finish, MAX_DRAIN_MS);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', finish);
    raw.resume();
  });
}

/** Installs problem+json error and not-found handlers on `app`. */
export function installProblemHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler(async (error, request, reply) => {
    const problem = toProblemError(error, bodyLimit);
    if (problem.code === 'payloadTooLarge') await drainRefusedBody(request);
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
