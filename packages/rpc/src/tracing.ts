import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import {
  context,
  fetchHeadersGetter,
  propagation,
  ROOT_CONTEXT,
  SEMCONV,
  SpanKind,
  SpanStatusCode,
  trace,
  traceHeaders,
  type Attributes,
  type Context,
  type Span,
} from '@opsloop/kit';

/** Codes that make a SERVER span an error (the server failed); the rest are the caller's business. */
const SERVER_ERRORS = new Set<Code>([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

function rpcAttributes(method: DescMethod): Attributes {
  return {
    [SEMCONV.rpcSystem]: 'grpc',
    [SEMCONV.rpcService]: method.parent.typeName,
    [SEMCONV.rpcMethod]: method.name,
  };
}

/** Ends `span` with the call's gRPC status: `failure` undefined is OK. */
function finish(span: Span, kind: SpanKind, failure: unknown): void {
  const error = failure === undefined ? undefined : ConnectError.from(failure);
  const code = error?.code ?? 0;
  span.setAttribute(SEMCONV.rpcGrpcStatusCode, code);
  if (error !== undefined && (kind === SpanKind.CLIENT || SERVER_ERRORS.has(error.code))) {
    span.setAttribute(SEMCONV.errorType, Code[error.code]);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.rawMessage });
  }
  span.end();
}

/**
 * A stream's messages, read in `ctx` (the handler's generator runs as the stream is read: outside the
 * interceptor otherwise), ending the span when the stream ends, fails or is abandoned.
 */
function tracedStream<T>(
  messages: AsyncIterable<T>,
  ctx: Context,
  end: (failure: unknown) => void,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = messages[Symbol.asyncIterator]();
      let done = false;
      const settle = (failure: unknown) => {
        if (done) return;
        done = true;
        end(failure);
      };
      return {
        async next() {
          try {
            const step = await context.with(ctx, () => iterator.next());
            if (step.done === true) settle(undefined);
            return step;
          } catch (error) {
            settle(error);
            throw error;
          }
        },
        async return(value?: unknown) {
          settle(new ConnectError('the stream was abandoned', Code.Canceled));
          return (await iterator.return?.(value)) ?? { done: true, value: undefined };
        },
      } as AsyncIterator<T>;
    },
  };
}

/**
 * A CLIENT span for an attempt that failed before it was sent — no ready endpoint, an open circuit, an
 * unreachable dependency (an injected fault) — which the tracing interceptor, run per endpoint, never saw. A
 * call that cannot leave is the clearest sign of a dependency failure: without its span the service graph
 * shows no failing edge, and root-cause analysis blames the caller. Outside a trace it records nothing.
 */
export function traceUnsentCall(
  method: DescMethod,
  target: string,
  startedAtMs: number,
  failure: unknown,
): void {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return;
  const attributes = rpcAttributes(method);
  attributes[SEMCONV.peerService] = target;
  const span = trace
    .getTracer('@opsloop/rpc')
    .startSpan(
      `${method.parent.typeName}/${method.name}`,
      { kind: SpanKind.CLIENT, attributes, startTime: startedAtMs },
      parent,
    );
  finish(span, SpanKind.CLIENT, failure);
}

/** Options of {@link createTracingClientInterceptor}. */
export interface TracingClientInterceptorOptions {
  /** The upstream's service name, recorded as `peer.service`. */
  target?: string;
}

/**
 * The client side of gRPC tracing, run on every attempt of a call: a CLIENT span named
 * `package.Service/Method` (`rpc.system` grpc, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`, status
 * ERROR on any failure), whose `traceparent` (and `tracestate`) replace any the caller put in the headers.
 * Calls made outside a trace go out untouched and make no span.
 */
export function createTracingClientInterceptor(options: TracingClientInterceptorOptions = {}): Interceptor {
  return (next) => async (req) => {
    const parent = context.active();
    if (trace.getSpan(parent) === undefined) return next(req);
    const attributes = rpcAttributes(req.method);
    if (options.target !== undefined) attributes[SEMCONV.peerService] = options.target;
    try {
      const url = new URL(req.url);
      attributes[SEMCONV.serverAddress] = url.hostname;
      attributes[SEMCONV.serverPort] = Number(url.port);
    } catch {
      // A transport without an absolute URL: no address.
    }
    const span = trace
      .getTracer('@opsloop/rpc')
      .startSpan(
        `${req.method.parent.typeName}/${req.method.name}`,
        { kind: SpanKind.CLIENT, attributes },
        parent,
      );
    const ctx = trace.setSpan(parent, span);
    req.header.delete('traceparent');
    req.header.delete('tracestate');
    for (const [name, value] of Object.entries(traceHeaders(ctx))) req.header.set(name, value);
    let response;
    try {
      response = await context.with(ctx, () => next(req));
    } catch (error) {
      finish(span, SpanKind.CLIENT, error);
      throw error;
    }
    if (!response.stream) {
      finish(span, SpanKind.CLIENT, undefined);
      return response;
    }
    return {
      ...response,
      message: tracedStream(response.message, ctx, (failure) => finish(span, SpanKind.CLIENT, failure)),
    };
  };
}

/**
 * The server side of gRPC tracing: a SERVER span per call named `package.Service/Method`, child of the
 * caller's `traceparent`, active while the handler runs (its queries, events and logs join the trace),
 * status ERROR for the codes that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
 * INTERNAL, UNAVAILABLE, DATA_LOSS).
 */
export function createTracingServerInterceptor(): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, fetchHeadersGetter);
    const span = trace
      .getTracer('@opsloop/rpc')
      .startSpan(
        `${req.method.parent.typeName}/${req.method.name}`,
        { kind: SpanKind.SERVER, attributes: rpcAttributes(req.method) },
        parent,
      );
    const ctx = trace.setSpan(parent, span);
    let response;
    try {
      response = await context.with(ctx, () => next(req));
    } catch (error) {
      finish(span, SpanKind.SERVER, error);
      throw error;
    }
    if (!response.stream) {
      finish(span, SpanKind.SERVER, undefined);
      return response;
    }
    return {
      ...response,
      message: tracedStream(response.message, ctx, (failure) => finish(span, SpanKind.SERVER, failure)),
    };
  };
}
