/**
 * The trace HTTP API as a Fastify plugin: the OTLP/HTTP receiver (`POST /v1/traces`) and the query API
 * (`GET /api/traces/:id`, `GET /api/traces`, `GET /api/services`, `GET /api/services/:service/operations`,
 * `GET /api/dependencies`). Every parameter is validated with zod; errors are problem+json. Register it
 * with `app.register(traceApiPlugin({ store }))`; its body parsing and error handling stay inside it.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  instancePath,
  parseInput,
  sendProblem,
  toProblemError,
} from '@opsloop/kit';
import { z } from 'zod';
import { OTLP_CONTENT_TYPES, OtlpBadRequestError, otlpResponseBody, receiveOtlp } from './otlp-receiver.js';
import {
  dependencyParamsSchema,
  toDependencyQuery,
  toTraceQuery,
  traceIdParamsSchema,
  traceSearchParamsSchema,
} from './trace-api-params.js';
import { spanToJson } from './trace-json.js';
import type { TraceSink, TraceSource } from './trace-source.js';

/** Options of {@link traceApiPlugin}. */
export interface TraceApiOptions {
  /** Where received spans go and queries are answered from (the embedded store). */
  readonly store: TraceSink & TraceSource;
  /** Largest OTLP request body as sent (compressed or not), bytes. Default 8 MiB; larger → 413. */
  readonly bodyLimit?: number;
  /** Largest OTLP body once inflated from gzip, bytes. Default 64 MiB; larger → 413. */
  readonly maxInflatedBytes?: number;
  /** The clock for default query ranges (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

const serviceParamsSchema = z.strictObject({ service: z.string().min(1).max(512) });

/** The trace API plugin for `options.store`. */
export function traceApiPlugin(options: TraceApiOptions): FastifyPluginCallback {
  const { store } = options;
  const bodyLimit = options.bodyLimit ?? 8 * 1024 * 1024;
  const maxInflatedBytes = options.maxInflatedBytes ?? 64 * 1024 * 1024;
  const now = options.now ?? Date.now;

  return (app, _pluginOptions, done) => {
    // The receiver reads raw bytes: protobuf, JSON and gzip are all decoded by receiveOtlp.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );

    app.setErrorHandler(async (error, request, reply) => {
      if (error instanceof OtlpBadRequestError) return sendOtlpBadRequest(reply, request, error);
      const problem = toProblemError(error, bodyLimit);
      if (problem.code === 'payloadTooLarge') await drain(request);
      if (problem.status >= 500) request.log.error({ err: error }, 'trace API request failed');
      return sendProblem(reply, request, problem);
    });

    app.post('/v1/traces', async (request, reply) => {
      const received = await receiveOtlp(
        {
          body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          contentType: request.headers['content-type'],
          contentEncoding: header(request.headers['content-encoding']),
        },
        maxInflatedBytes,
      );
      try {
        await store.append(received.spans);
      } catch (error) {
        // A storage failure is the receiver's, not the sender's: 503 tells OTLP exporters to retry.
        throw new ProblemError('serviceUnavailable', {
          detail: 'the trace store could not save the spans',
          headers: { 'retry-after': '5' },
          cause: error,
        });
      }
      const body = otlpResponseBody(received);
      return reply
        .code(200)
        .type(OTLP_CONTENT_TYPES[received.format])
        .send(typeof body === 'string' ? body : Buffer.from(body));
    });

    app.get('/api/traces/:id', async (request) => {
      const { id } = parseInput(traceIdParamsSchema, request.params, 'path');
      const spans = await store.getTrace(id);
      if (spans === null) throw new ProblemError('resourceNotFound', { detail: `no trace ${id}` });
      return { traceId: id, spans: spans.map(spanToJson) };
    });

    app.get('/api/traces', async (request) => {
      const params = parseInput(traceSearchParamsSchema, request.query, 'query');
      return { traces: await store.findTraces(toTraceQuery(params, now())) };
    });

    app.get('/api/services', async () => ({ services: await store.services() }));

    app.get('/api/services/:service/operations', async (request) => {
      const { service } = parseInput(serviceParamsSchema, request.params, 'path');
      return { service, operations: await store.operations(service) };
    });

    app.get('/api/dependencies', async (request) => {
      const query = toDependencyQuery(parseInput(dependencyParamsSchema, request.query, 'query'), now());
      return { ...query, ...(await store.dependencies(query)) };
    });
    done();
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function sendOtlpBadRequest(reply: FastifyReply, request: FastifyRequest, error: OtlpBadRequestError) {
  request.log.info({ detail: error.message }, 'OTLP request rejected');
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: error.type,
        title: error.title,
        status: error.status,
        detail: error.message,
        instance: instancePath(request),
        request_id: request.id,
      }),
    );
}

/**
 * Reads and drops the rest of a refused body (bounded), so the client gets the 413 instead of a connection
 * reset from closing a socket with unread data. (The kit has the same helper but does not export it.)
 */
function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > 64 * 1024 * 1024) done();
    };
    const timer = setTimeout(done, 5_000);
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('close', done);
    raw.once('error', done);
    raw.resume();
  });
}
