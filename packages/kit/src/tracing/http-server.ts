import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SEMCONV } from './semconv.js';

const SPAN = Symbol('opsloop.tracing.span');
const CONTEXT = Symbol('opsloop.tracing.context');
const ERROR = Symbol('opsloop.tracing.error');

interface TracedRequest {
  [SPAN]?: Span | undefined;
  [CONTEXT]?: Context | undefined;
  [ERROR]?: Error | undefined;
}

/** Route config of routes that get no span: the kit's probes are `internal`; any route may say `trace: false`. */
interface TraceRouteConfig {
  internal?: boolean;
  trace?: boolean;
}

/** Methods the HTTP conventions know; others are recorded as `_OTHER` (bounded cardinality). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

function untraced(config: unknown): boolean {
  const flags = config as TraceRouteConfig | undefined;
  return flags?.internal === true || flags?.trace === false;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs a route handler in `ctx`, and makes Fastify's continuation of it (its `.then`: serialization, the
 * error handler and its log line) run in `ctx` too: Fastify attaches that continuation after the handler
 * returned, outside any `context.with`. A synchronous throw becomes a rejection for the same reason.
 */
function runHandlerIn(ctx: Context, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = context.with(ctx, call);
  } catch (error) {
    // Rethrown as is: Fastify's error handler gets exactly what the handler threw.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    result = Promise.reject(error);
  }
  if (!isThenable(result)) return result;
  const thenable = result;
  return {
    then: (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) =>
      context.with(ctx, () => thenable.then(onFulfilled, onRejected)),
  };
}

/** The request's span context, for code that runs outside it (hooks after the response); undefined if untraced. */
export function requestTraceContext(request: FastifyRequest): Context | undefined {
  return (request as TracedRequest)[CONTEXT];
}

function serverAttributes(request: FastifyRequest, route: string | undefined): Attributes {
  const method = request.method;
  const url = request.url;
  const query = url.indexOf('?');
  const attributes: Attributes = {
    [SEMCONV.httpRequestMethod]: KNOWN_METHODS.has(method) ? method : '_OTHER',
    [SEMCONV.urlPath]: query === -1 ? url : url.slice(0, query),
    [SEMCONV.urlScheme]: request.protocol,
    [SEMCONV.networkProtocolVersion]: request.raw.httpVersion,
    [SEMCONV.clientAddress]: request.ip,
  };
  if (route !== undefined) attributes[SEMCONV.httpRoute] = route;
  const host = request.hostname;
  if (host !== '') attributes[SEMCONV.serverAddress] = host;
  const port = request.port;
  if (port !== null) attributes[SEMCONV.serverPort] = port;
  const agent = request.headers['user-agent'];
  if (agent !== undefined) attributes[SEMCONV.userAgentOriginal] = agent;
  return attributes;
}

/**
 * Traces the HTTP requests a Fastify app serves: one SERVER span per request named `METHOD /route/:template`
 * (`METHOD` alone when no route matched), a child of the caller's `traceparent`, with the HTTP semantic
 * convention attributes and status ERROR for 5xx. The span is the active context of the hooks that follow
 * (`onRequest` onwards), of the handler (nested work becomes its child; @fastify/otel's approach of wrapping
 * the handler from `onRoute`) and of the error handler. Routes with `config.internal` (probes, `/metrics`)
 * or `config.trace: false` are not traced. Install it first, before other hooks and any route.
 */
export function installHttpServerTracing(app: FastifyInstance): void {
  app.addHook('onRoute', (routeOptions) => {
    if (untraced(routeOptions.config)) return;
    const handler = routeOptions.handler;
    routeOptions.handler = function traced(this: FastifyInstance, request, reply) {
      const ctx = (request as TracedRequest)[CONTEXT];
      if (ctx === undefined) return handler.call(this, request, reply);
      return runHandlerIn(ctx, () => handler.call(this, request, reply));
    };
  });

  app.addHook('onRequest', (request, _reply, done) => {
    if (untraced(request.routeOptions.config)) {
      done();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = trace
      .getTracer('@opsloop/kit')
      .startSpan(
        route === undefined ? request.method : `${request.method} ${route}`,
        { kind: SpanKind.SERVER },
        parent,
      );
    // Our samplers decide on the parent and the trace id alone: an unsampled span skips the attributes.
    if (span.isRecording()) span.setAttributes(serverAttributes(request, route));
    const ctx = trace.setSpan(parent, span);
    const traced = request as TracedRequest;
    traced[SPAN] = span;
    traced[CONTEXT] = ctx;
    // The following onRequest hooks, and the whole chain when they are synchronous, run in the span.
    context.with(ctx, done);
  });

  // onError runs before the error handler chose the status: keep the error until the response is known.
  app.addHook('onError', (request, _reply, error, done) => {
    const traced = request as TracedRequest;
    if (traced[SPAN] !== undefined) traced[ERROR] = error;
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const traced = request as TracedRequest;
    const span = traced[SPAN];
    if (span === undefined) {
      done();
      return;
    }
    traced[SPAN] = undefined;
    const status = reply.statusCode;
    span.setAttribute(SEMCONV.httpResponseStatusCode, status);
    if (status >= 500) {
      span.setAttribute(SEMCONV.errorType, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
      const error = traced[ERROR];
      if (error !== undefined) span.recordException(error);
    }
    traced[ERROR] = undefined;
    span.end();
    // The request's log line (the kit's onResponse hook) carries its trace and span ids.
    context.with(traced[CONTEXT] ?? ROOT_CONTEXT, done);
  });

  app.addHook('onRequestAbort', (request, done) => {
    const traced = request as TracedRequest;
    const span = traced[SPAN];
    if (span !== undefined) {
      traced[SPAN] = undefined;
      span.setAttribute(SEMCONV.errorType, 'aborted');
      span.end();
    }
    done();
  });
}
