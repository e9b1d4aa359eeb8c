import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import type { Http2SessionOptions } from '@connectrpc/connect-node';
import {
  systemClock,
  type Clock,
  type IdentitySource,
  type Logger,
  type Resolver,
  type ServiceMetrics,
} from '@opsloop/kit';
import { createBalancedTransport } from './balanced-transport.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createEndpointPool } from './endpoint-pool.js';
import { rpcClientMetrics } from './metrics.js';
import { retryPolicy, type RetryOptions } from './retry-policy.js';
import { createTracingClientInterceptor } from './tracing.js';

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  /** The upstream's service name in discovery (`resolver.watch(target)` is called). */
  target: string;
  /** Where the target's ready replicas are (`createResolverFromConfig` / `createStaticResolver`). */
  resolver: Resolver;
  log?: Logger;
  /** Records `rpc_client_duration_seconds{target,method,code}` (and retries, breaker state) on its registry. */
  metrics?: ServiceMetrics;
  /** Deadline of each call when the caller gives none; default 2000 ms. */
  timeoutMs?: number;
  /** Retries of idempotent methods on UNAVAILABLE; defaults 3 attempts, 25 ms base, 400 ms max back-off. */
  retry?: RetryOptions;
  /** Circuit breaker of the target; defaults 5 consecutive failures, 5000 ms open. */
  breaker?: { failureThreshold?: number; openMs?: number };
  /** Back-off and breaker timing; the system clock by default. */
  clock?: Clock;
  /** Jitter source in [0, 1); Math.random by default. */
  random?: () => number;
  /** Interceptors run on every attempt (outermost first), e.g. to add headers. */
  interceptors?: Interceptor[];
  /** HTTP/2 keepalive (PING) and idle settings of each replica's connection. */
  session?: Http2SessionOptions;
  /**
   * The caller's identity (the service context's `identity`): calls go over mutual TLS, presenting its
   * current certificate, to servers whose certificate names `target`. Undefined: cleartext HTTP/2.
   */
  identity?: IdentitySource | undefined;
}

/** A connect client of `T` over every replica of a target; `close()` ends its HTTP/2 sessions. */
export type RpcClient<T extends DescService> = Client<T> & {
  /** Refuses new calls, waits for in-flight ones (bounded by their deadlines), closes every connection. */
  close(): Promise<void>;
};

/**
 * Creates a gRPC client of `service` for the replicas of `options.target`: client-side round-robin with one
 * HTTP/2 connection per replica, a deadline on every call (propagated as `grpc-timeout`), retries of
 * idempotent methods only (per their `idempotency_level`), and a circuit breaker. See the README.
 */
export function createRpcClient<T extends DescService>(service: T, options: RpcClientOptions): RpcClient<T> {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ? rpcClientMetrics(options.metrics.registry) : undefined;
  const { target, log } = options;
  metrics?.circuitOpen.set({ target }, 0);
  const breaker = createCircuitBreaker({
    failureThreshold: options.breaker?.failureThreshold ?? 5,
    openMs: options.breaker?.openMs ?? 5000,
    clock,
    onStateChange(state) {
      metrics?.circuitOpen.set({ target }, state === 'closed' ? 0 : 1);
      if (state === 'open') log?.warn({ target }, 'rpc circuit opened');
      else log?.info({ target, state }, 'rpc circuit state changed');
    },
  });
  const pool = createEndpointPool({
    ...(options.session ? { session: options.session } : {}),
    // Tracing outermost: one CLIENT span per attempt, around the caller's interceptors.
    interceptors: [createTracingClientInterceptor({ target }), ...(options.interceptors ?? [])],
    ...(options.identity ? { tls: { identity: options.identity, target } } : {}),
  });
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  const transport = createBalancedTransport({
    target,
    resolver: options.resolver,
    endpoint: (endpoint) => pool.get(endpoint),
    sync: (endpoints) => pool.sync(endpoints),
    breaker,
    retry: retryPolicy(options.retry),
    defaultTimeoutMs: options.timeoutMs ?? 2000,
    clock,
    random: options.random ?? Math.random,
    ...(log ? { log } : {}),
    ...(metrics ? { metrics } : {}),
    closed: () => closed,
  });
  // Track calls so close() can let them finish; every call ends by its deadline at the latest.
  const tracked: typeof transport = {
    unary(...args) {
      const call = transport.unary(...args);
      inFlight.add(call);
      void call.then(
        () => inFlight.delete(call),
        () => inFlight.delete(call),
      );
      return call;
    },
    stream: (...args) => transport.stream(...args),
  };
  const client = createClient(service, tracked);
  return Object.assign(client, {
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      pool.close();
    },
  });
}
