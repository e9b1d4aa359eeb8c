import type { DescMessage, DescMethod, DescMethodStreaming, DescMethodUnary } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from '@connectrpc/connect';
import type { Endpoint } from '@opsloop/contracts';
import {
  createBalancer,
  dependencyPoint,
  faultPoint,
  type Clock,
  type Lease,
  type LoadBalancer,
  type Logger,
  type Resolver,
} from '@opsloop/kit';
import type { CallOutcome, CircuitBreaker } from './circuit-breaker.js';
import { codeName, isUnhealthyCode, normalizeClientError } from './codes.js';
import { sufferDependencyFault } from './dependency-fault.js';
import type { PooledEndpoint } from './endpoint-pool.js';
import type { RpcClientMetrics } from './metrics.js';
import { traceUnsentCall } from './tracing.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableMethod,
  pushback,
  type RetryPolicy,
} from './retry-policy.js';

/** Options of {@link createBalancedTransport}. */
export interface BalancedTransportOptions {
  target: string;
  resolver: Resolver;
  /** The transport of one endpoint (the endpoint pool in production, fakes in unit tests). */
  endpoint(endpoint: Endpoint): PooledEndpoint;
  /** Called with the discovery answer before each pick, so transports of departed replicas close. */
  sync?(endpoints: readonly Endpoint[]): void;
  breaker: CircuitBreaker;
  retry: RetryPolicy;
  defaultTimeoutMs: number;
  clock: Clock;
  /** Back-off jitter and, for the default balancer, least-request's random choices; in [0, 1). */
  random: () => number;
  /**
   * Picks the replica of each attempt and hears how it ended. By default `createBalancer()` on `clock` and
   * `random`: least outstanding requests, with outlier ejection (5 failures in a row eject a replica for
   * 30 s, growing with repeats, at most half the replicas at once).
   */
  balancer?: LoadBalancer;
  log?: Logger;
  metrics?: RpcClientMetrics;
  /** True once the client is closed: calls fail at once. */
  closed(): boolean;
}

/** Marks errors made here (no endpoint, circuit open, client closed): never retried, never fed to the breaker. */
const LOCAL = Symbol('rpc.local');

function localError(message: string): ConnectError {
  const error = new ConnectError(message, Code.Unavailable);
  (error as unknown as Record<symbol, boolean>)[LOCAL] = true;
  return error;
}

function isLocal(error: ConnectError): boolean {
  return (error as unknown as Record<symbol, boolean | undefined>)[LOCAL] === true;
}

function outcomeOf(error: ConnectError): CallOutcome {
  if (error.code === Code.Canceled) return 'ignored';
  return isUnhealthyCode(error.code) ? 'failure' : 'success';
}

function fullName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Waits `ms` on `clock`; rejects with CANCELED if `signal` aborts first. */
function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(new ConnectError('the call was cancelled', Code.Canceled));
    };
    const timer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A connect `Transport` over every ready replica of one target: least outstanding requests per attempt with
 * failing replicas ejected for a while (see {@link BalancedTransportOptions.balancer}), a deadline on every
 * call that all attempts share, retries of idempotent methods on UNAVAILABLE (another replica first,
 * full-jitter exponential back-off, gRPC server pushback honoured), and a circuit breaker in front.
 */
export function createBalancedTransport(options: BalancedTransportOptions): Transport {
  const { target, resolver, breaker, clock, log, metrics } = options;
  const balancer =
    options.balancer ??
    createBalancer(
      {},
      {
        clock,
        random: options.random,
        onEject: ({ instance, durationMs, times }) =>
          log?.warn({ target, instance, ejection_ms: durationMs, times }, 'rpc replica ejected'),
        onReturn: (instance) => log?.info({ target, instance }, 'rpc replica back from ejection'),
      },
    );
  options.resolver.watch(target);
  // Outgoing calls to the target are a fault point of their own (see the kit's `faultPoint`).
  const faultAt = dependencyPoint(target);

  const budgetOf = (timeoutMs: number | undefined) =>
    timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : options.defaultTimeoutMs;

  /**
   * Picks a replica not tried yet if there is one and admits the call through the breaker; throws UNAVAILABLE
   * when there is no replica at all or the circuit is open. The lease must be released with the outcome.
   */
  const start = (tried: ReadonlySet<string>) => {
    if (options.closed()) throw localError(`rpc client for ${target} is closed`);
    const endpoints = resolver.endpoints(target);
    options.sync?.(endpoints);
    const lease: Lease | undefined = balancer.acquire(endpoints, tried) ?? balancer.acquire(endpoints);
    if (lease === undefined) throw localError(`no ready endpoint for ${target}`);
    let chosen: PooledEndpoint;
    try {
      chosen = options.endpoint(lease.endpoint);
    } catch (error) {
      lease.release('ignored');
      throw error;
    }
    const permit = breaker.acquire();
    if (permit === undefined) {
      lease.release('ignored');
      throw localError(`circuit open for ${target}`);
    }
    /** Reports the outcome to the breaker and the balancer alike. */
    const report = (outcome: CallOutcome) => {
      permit.report(outcome);
      lease.release(outcome);
    };
    return { chosen, report };
  };

  const observe = (method: DescMethod, started: number, code: Code | undefined) =>
    metrics?.duration.observe(
      { target, method: fullName(method), code: codeName(code) },
      (performance.now() - started) / 1000,
    );

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: Parameters<Transport['unary']>[3],
      input: Parameters<Transport['unary']>[4],
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const started = performance.now();
      const deadline = clock.now() + budgetOf(timeoutMs);
      const retryable = isRetryableMethod(method);
      const tried = new Set<string>();
      for (let attempt = 1; ; attempt++) {
        let error: ConnectError;
        const attemptStartedAtMs = Date.now();
        let sent = false;
        try {
          const remaining = deadline - clock.now();
          if (remaining <= 0)
            throw new ConnectError('deadline exceeded before the call', Code.DeadlineExceeded);
          const { chosen, report } = start(tried);
          tried.add(chosen.endpoint.instance);
          const release = chosen.hold();
          try {
            const fault = faultPoint(faultAt);
            if (fault !== undefined) await sufferDependencyFault(fault, { clock, deadline, signal });
            sent = true;
            const response = await chosen.transport.unary(
              method,
              signal,
              fault === undefined ? remaining : Math.max(1, deadline - clock.now()),
              header,
              input as never,
              contextValues,
            );
            report('success');
            observe(method, started, undefined);
            return response;
          } catch (caught) {
            const normalized = normalizeClientError(caught, signal);
            report(outcomeOf(normalized));
            throw normalized;
          } finally {
            release();
          }
        } catch (caught) {
          error = caught instanceof ConnectError ? caught : normalizeClientError(caught, signal);
          if (!sent) traceUnsentCall(method, target, attemptStartedAtMs, error);
        }
        const delay = retryable && !isLocal(error) ? nextDelay(error, attempt) : undefined;
        if (delay === undefined || signal?.aborted === true || clock.now() + delay >= deadline) {
          observe(method, started, error.code);
          throw error;
        }
        log?.debug(
          { target, method: fullName(method), attempt, delay_ms: delay, code: codeName(error.code) },
          'rpc retry',
        );
        metrics?.retries.inc({ target, method: fullName(method) });
        try {
          await sleep(clock, delay, signal);
        } catch (cancelled) {
          observe(method, started, Code.Canceled);
          throw cancelled;
        }
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: Parameters<Transport['unary']>[3],
      input: AsyncIterable<Parameters<Transport['unary']>[4]>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      // Streams are balanced, bounded by the deadline and guarded by the breaker, but never retried: their
      // input is consumed as it is sent.
      const started = performance.now();
      const startedAtMs = Date.now();
      let chosen: PooledEndpoint;
      let report: (outcome: CallOutcome) => void;
      try {
        ({ chosen, report } = start(new Set()));
      } catch (error) {
        observe(method, started, (error as ConnectError).code);
        traceUnsentCall(method, target, startedAtMs, error);
        throw error;
      }
      const release = chosen.hold();
      let finished = false;
      /** Reports the stream's end once: undefined is success, 'abandoned' the caller stopped reading. */
      const finish = (end: ConnectError | 'abandoned' | undefined) => {
        if (finished) return;
        finished = true;
        if (end === 'abandoned') {
          report('ignored');
          observe(method, started, Code.Canceled);
        } else {
          report(end === undefined ? 'success' : outcomeOf(end));
          observe(method, started, end?.code);
        }
        release();
      };
      let response: StreamResponse<I, O>;
      const budget = budgetOf(timeoutMs);
      const deadline = clock.now() + budget;
      let sent = false;
      try {
        const fault = faultPoint(faultAt);
        if (fault !== undefined) await sufferDependencyFault(fault, { clock, deadline, signal });
        sent = true;
        response = await chosen.transport.stream<I, O>(
          method,
          signal,
          fault === undefined ? budget : Math.max(1, deadline - clock.now()),
          header,
          input as never,
          contextValues,
        );
      } catch (caught) {
        const error = normalizeClientError(caught, signal);
        finish(error);
        if (!sent) traceUnsentCall(method, target, startedAtMs, error);
        throw error;
      }
      const messages = response.message;
      async function* tracked() {
        try {
          yield* messages;
          finish(undefined);
        } catch (caught) {
          const error = normalizeClientError(caught, signal);
          finish(error);
          throw error;
        } finally {
          finish('abandoned'); // a no-op unless the caller stopped iterating early
        }
      }
      return { ...response, message: tracked() };
    },
  };

  /** The back-off before another attempt, or undefined when this error ends the call. */
  function nextDelay(error: ConnectError, attempt: number): number | undefined {
    if (!isRetryableError(error) || attempt >= options.retry.maxAttempts) return undefined;
    const pushed = pushback(error);
    if (pushed === 'stop') return undefined;
    return pushed ?? backoffDelay(options.retry, attempt, options.random);
  }
}
