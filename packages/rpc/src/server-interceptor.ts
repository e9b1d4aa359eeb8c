import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import {
  FAULT_POINTS,
  faultPoint,
  isFaultInjectedError,
  type Logger,
  type ServiceMetrics,
} from '@opsloop/kit';
import { codeName } from './codes.js';
import { connectErrorOfFault } from './fault-codes.js';
import { rpcServerDuration } from './metrics.js';
import { RPC_PEER } from './rpc-peer.js';

/** Options of {@link createServerInterceptor}. */
export interface ServerInterceptorOptions {
  log: Logger;
  metrics: ServiceMetrics;
}

/** Codes that mean the server failed (logged at error); the rest of the failures are the caller's business. */
const SERVER_FAULT = new Set<Code>([Code.Internal, Code.Unknown, Code.DataLoss]);
/** Codes that mean the server is overloaded or too slow (logged at warn). */
const DEGRADED = new Set<Code>([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted]);

function fullName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/**
 * The server side of every RPC: records `rpc_server_duration_seconds{method,code}`, logs failed calls (method,
 * code, duration, request id, calling service over mutual TLS; never the request), and turns an unexpected
 * exception into INTERNAL with a generic message, so that no message or stack of the server leaves the process
 * (it is logged instead). It is also the `rpc` fault point (see the kit's `faultPoint`): injected latency
 * and failures are measured and logged like real ones.
 */
export function createServerInterceptor(options: ServerInterceptorOptions): Interceptor {
  const { log } = options;
  const duration = rpcServerDuration(options.metrics.registry);

  return (next) => async (req) => {
    const started = performance.now();
    const method = fullName(req.method);
    const requestId = req.header.get('x-request-id') ?? undefined;
    const caller = req.contextValues.get(RPC_PEER)?.service;

    const succeeded = () => duration.observe({ method, code: 'OK' }, (performance.now() - started) / 1000);
    /** Records a failed call; returns the error the client gets. */
    const failed = (thrown: unknown): ConnectError => {
      const seconds = (performance.now() - started) / 1000;
      const expected = thrown instanceof ConnectError;
      const error = expected ? thrown : new ConnectError('internal error', Code.Internal);
      const code = codeName(error.code);
      duration.observe({ method, code }, seconds);
      const line = {
        rpc_method: method,
        code,
        duration_ms: Math.round(seconds * 100_000) / 100,
        ...(requestId !== undefined ? { request_id: requestId } : {}),
        ...(caller !== undefined ? { caller } : {}),
      };
      if (!expected) log.error({ ...line, err: thrown }, 'rpc failed with an unexpected error');
      else if (SERVER_FAULT.has(error.code)) log.error({ ...line, message: error.rawMessage }, 'rpc failed');
      else if (DEGRADED.has(error.code)) log.warn({ ...line, message: error.rawMessage }, 'rpc failed');
      else log.info({ ...line, message: error.rawMessage }, 'rpc failed');
      return error;
    };

    let response;
    try {
      // The `rpc` fault point: latency, then an injected failure with its code, measured and logged as real.
      const fault = faultPoint(FAULT_POINTS.rpc);
      if (fault !== undefined) await fault;
      response = await next(req);
    } catch (thrown) {
      throw failed(isFaultInjectedError(thrown) ? connectErrorOfFault(thrown) : thrown);
    }
    if (!response.stream) {
      succeeded();
      return response;
    }
    const messages = response.message;
    async function* tracked() {
      try {
        yield* messages;
      } catch (thrown) {
        throw failed(thrown);
      }
      succeeded();
    }
    return { ...response, message: tracked() };
  };
}
