import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { SEMCONV } from './semconv.js';

/** Options of {@link tracingInterceptor}. */
export interface TracingInterceptorOptions {
  /** `peer.service` of the spans: the logical name of the service called, e.g. `catalog`. */
  peerService?: string;
  /**
   * The origin of requests that name none (a `Pool`'s or `Client`'s: they are bound to one), for
   * `url.full` and `server.address`.
   */
  origin?: string;
  /**
   * Trace only requests made inside a trace (default true): background requests (discovery watches,
   * polling) then cost nothing and make no root spans. False: every request gets a span.
   */
  requireParent?: boolean;
}

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

type Headers = Dispatcher.DispatchOptions['headers'];

/** `headers` (any form undici accepts) without trace-context fields, plus `trace` (`traceparent`, …). */
export function withTraceHeaders(
  headers: Headers,
  trace: Record<string, string>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const add = (name: string, value: string | string[] | undefined | null) => {
    if (value === undefined || value === null) return;
    const lower = name.toLowerCase();
    if (lower === 'traceparent' || lower === 'tracestate') return;
    const prior = out[name];
    out[name] = prior === undefined ? value : ([] as string[]).concat(prior, value);
  };
  if (Array.isArray(headers)) {
    // Flat [name, value, name, value, …].
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), String(headers[i + 1]));
  } else if (headers !== null && headers !== undefined) {
    const entries =
      Symbol.iterator in headers
        ? (headers as Iterable<[string, string | string[] | undefined]>)
        : Object.entries(headers as Record<string, string | string[] | undefined>);
    for (const [name, value] of entries) add(name, value);
  }
  return Object.assign(out, trace);
}

function originOf(origin: string | URL | undefined): URL | undefined {
  if (origin === undefined) return undefined;
  try {
    return typeof origin === 'string' ? new URL(origin) : origin;
  } catch {
    return undefined;
  }
}

/**
 * An undici interceptor that traces outgoing HTTP requests: one CLIENT span per request (named by its
 * method; `url.full` without the query, `server.address`, `http.response.status_code`, status ERROR for
 * 4xx/5xx and failures), with `traceparent`/`tracestate` of that span sent in place of any the caller set.
 * The span ends when the response body has been read (or the request failed). Apply it to the
 * dispatcher the code uses: `new Pool(origin).compose(tracingInterceptor())`, or pass an
 * `Agent().compose(…)` as fetch's `dispatcher`.
 */
export function tracingInterceptor(
  options: TracingInterceptorOptions = {},
): Dispatcher.DispatcherComposeInterceptor {
  const requireParent = options.requireParent ?? true;
  const defaultOrigin = originOf(options.origin);
  return (dispatch) => (opts, handler) => {
    const parent = context.active();
    // An unsampled parent still gets a (non-recording, cheap) span: its traceparent carries the decision on.
    if (requireParent && trace.getSpan(parent) === undefined) return dispatch(opts, handler);
    const method = opts.method;
    const origin = opts.origin !== undefined ? originOf(opts.origin) : defaultOrigin;
    const query = opts.path.indexOf('?');
    const path = query === -1 ? opts.path : opts.path.slice(0, query);
    const attributes: Attributes = {
      [SEMCONV.httpRequestMethod]: KNOWN_METHODS.has(method) ? method : '_OTHER',
    };
    if (origin !== undefined) {
      attributes[SEMCONV.urlFull] = `${origin.origin}${path}`;
      attributes[SEMCONV.serverAddress] = origin.hostname;
      const port = origin.port === '' ? (origin.protocol === 'https:' ? 443 : 80) : Number(origin.port);
      attributes[SEMCONV.serverPort] = port;
    }
    if (options.peerService !== undefined) attributes[SEMCONV.peerService] = options.peerService;
    const span = trace
      .getTracer('@opsloop/kit')
      .startSpan(KNOWN_METHODS.has(method) ? method : 'HTTP', { kind: SpanKind.CLIENT, attributes }, parent);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    delete carrier.baggage;

    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.setAttribute(SEMCONV.errorType, error.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      span.end();
    };
    const traced: Dispatcher.DispatchHandler = {
      onRequestStart: (controller, ctx: unknown) => handler.onRequestStart?.(controller, ctx),
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart(controller, statusCode, headers, statusMessage) {
        if (statusCode >= 200) {
          span.setAttribute(SEMCONV.httpResponseStatusCode, statusCode);
          if (statusCode >= 400) {
            span.setAttribute(SEMCONV.errorType, String(statusCode));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        }
        return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd(controller, trailers) {
        end();
        return handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        end(error);
        return handler.onResponseError?.(controller, error);
      },
    };
    let headers: Record<string, string | string[]>;
    try {
      headers = withTraceHeaders(opts.headers, carrier);
    } catch {
      // Headers in a shape undici would refuse anyway: let it say so, untraced.
      span.end();
      return dispatch(opts, handler);
    }
    try {
      return dispatch({ ...opts, headers }, traced);
    } catch (error) {
      end(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  };
}
