import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { BaseConfig, ServiceContext } from '@opsloop/kit';
import { createServerInterceptor } from './server-interceptor.js';

/** Options of {@link serveRpc}. */
export interface ServeRpcOptions {
  /** More server interceptors, run inside the kit's (which logs, measures and hides unexpected errors). */
  interceptors?: Interceptor[];
  /** Largest request message accepted, in bytes; the service's `BODY_LIMIT_BYTES` by default (connect's is 4 GiB). */
  readMaxBytes?: number;
}

/**
 * Mounts Connect/gRPC handlers on the service's own port over HTTP/2 cleartext (via `context.http2`): the
 * gRPC, gRPC-Web and Connect protocols, with the logging, metrics and error hiding of
 * {@link createServerInterceptor}. HTTP/1.1 on the same port stays Fastify's. Call it once, from setup.
 */
export function serveRpc(
  context: ServiceContext<BaseConfig>,
  register: (router: ConnectRouter) => void,
  options: ServeRpcOptions = {},
): void {
  const handler = connectNodeAdapter({
    routes: register,
    // Larger messages are refused with RESOURCE_EXHAUSTED, as Fastify refuses larger HTTP bodies with 413.
    readMaxBytes: options.readMaxBytes ?? context.config.BODY_LIMIT_BYTES,
    interceptors: [
      createServerInterceptor({ log: context.log, metrics: context.metrics }),
      ...(options.interceptors ?? []),
    ],
  });
  context.http2(handler);
}
