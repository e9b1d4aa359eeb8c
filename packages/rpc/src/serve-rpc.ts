import { createContextValues, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { BaseConfig, ServiceContext } from '@opsloop/kit';
import { createCallerPolicy } from './caller-policy.js';
import { peerOfRequest, RPC_PEER } from './rpc-peer.js';
import { createServerInterceptor } from './server-interceptor.js';
import { createTracingServerInterceptor } from './tracing.js';

/** Options of {@link serveRpc}. */
export interface ServeRpcOptions {
  /** More server interceptors, run inside the kit's (which logs, measures and hides unexpected errors). */
  interceptors?: Interceptor[];
  /** Largest request message accepted, in bytes; the service's `BODY_LIMIT_BYTES` by default (connect's is 4 GiB). */
  readMaxBytes?: number;
}

/**
 * Mounts Connect/gRPC handlers on the service's own port (via `context.http2`): the gRPC, gRPC-Web and
 * Connect protocols, with the logging, metrics and error hiding of {@link createServerInterceptor}. Over
 * HTTP/2 cleartext, or over mutual TLS only when the service has an identity (`OPSLOOP_TLS_DIR`); then
 * `OPSLOOP_RPC_CALLERS`, when set, lists the services allowed to call (others: PERMISSION_DENIED). The
 * caller's service is available to handlers as `callerOf(context)`. HTTP/1.1 on the same port stays
 * Fastify's. Call it once, from setup.
 */
export function serveRpc(
  context: ServiceContext<BaseConfig>,
  register: (router: ConnectRouter) => void,
  options: ServeRpcOptions = {},
): void {
  const callers = context.config.OPSLOOP_RPC_CALLERS;
  const policy =
    context.identity !== undefined && callers !== undefined
      ? [createCallerPolicy({ allowed: callers, log: context.log, metrics: context.metrics })]
      : [];
  if (context.identity === undefined && callers !== undefined)
    context.log.warn('OPSLOOP_RPC_CALLERS ignored: without OPSLOOP_TLS_DIR callers cannot be identified');
  const handler = connectNodeAdapter({
    routes: register,
    contextValues: (req) => createContextValues().set(RPC_PEER, peerOfRequest(req)),
    // Larger messages are refused with RESOURCE_EXHAUSTED, as Fastify refuses larger HTTP bodies with 413.
    readMaxBytes: options.readMaxBytes ?? context.config.BODY_LIMIT_BYTES,
    interceptors: [
      // Tracing first: refused calls are traced too, and everything inside runs in the call's span.
      createTracingServerInterceptor(),
      // Then the caller policy: a refused call reaches neither the handlers nor the duration metric.
      ...policy,
      createServerInterceptor({ log: context.log, metrics: context.metrics }),
      ...(options.interceptors ?? []),
    ],
  });
  context.http2(handler);
}
