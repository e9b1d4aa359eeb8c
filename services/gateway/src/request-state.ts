import type { TraceContext } from './trace-context.js';

/** What the gateway's edge learned about a request, for its handlers. */
export interface GatewayRequestState {
  /** `sub` of a valid bearer token; undefined for an anonymous request. */
  userId: string | undefined;
  /** The request carried an `Authorization` header (valid or not): such requests bypass the cache. */
  credentials: boolean;
  trace: TraceContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway's edge hook on every `/api` request. */
    gateway: GatewayRequestState | null;
  }
}

/** Headers that carry the request's identity and trace to a gRPC call. */
export function rpcHeaders(requestId: string, state: GatewayRequestState): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    traceparent: state.trace.traceparent,
  };
  if (state.trace.tracestate !== undefined) headers.tracestate = state.trace.tracestate;
  return headers;
}
