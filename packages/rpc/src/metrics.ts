import { counterOn, gaugeOn, histogramOn, HTTP_DURATION_BUCKETS, type ServiceMetrics } from '@opsloop/kit';

type Registry = ServiceMetrics['registry'];

/** `rpc_server_duration_seconds{method,code}`: calls served, by full method name and gRPC code. */
export function rpcServerDuration(registry: Registry) {
  return histogramOn(registry, {
    name: 'rpc_server_duration_seconds',
    help: 'Duration of RPCs served, by full method name (package.Service/Method) and gRPC status code.',
    labelNames: ['method', 'code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
  });
}

/** `rpc_server_refused_total{reason}`: calls refused before any handler ran (caller policy). */
export function rpcServerRefused(registry: Registry) {
  return counterOn(registry, {
    name: 'rpc_server_refused_total',
    help: 'RPCs refused before reaching a handler, by reason (caller_not_allowed, no_client_certificate, no_service_identity).',
    labelNames: ['reason'] as const,
  });
}

/** The client-side metrics of `createRpcClient`, registered (or found) on `registry`. */
export function rpcClientMetrics(registry: Registry) {
  return {
    /** Whole calls (all attempts), as the caller sees them. */
    duration: histogramOn(registry, {
      name: 'rpc_client_duration_seconds',
      help: 'Duration of RPCs made (all attempts of a call), by target service, method and gRPC status code.',
      labelNames: ['target', 'method', 'code'] as const,
      buckets: HTTP_DURATION_BUCKETS,
    }),
    /** Attempts after the first. */
    retries: counterOn(registry, {
      name: 'rpc_client_retries_total',
      help: 'RPC attempts after the first one of a call, by target service and method.',
      labelNames: ['target', 'method'] as const,
    }),
    /** 1 while the target's breaker is not closed. */
    circuitOpen: gaugeOn(registry, {
      name: 'rpc_client_circuit_open',
      help: 'Whether the circuit breaker of a target is open or half-open (1) or closed (0).',
      labelNames: ['target'] as const,
    }),
  };
}

/** See {@link rpcClientMetrics}. */
export type RpcClientMetrics = ReturnType<typeof rpcClientMetrics>;
