import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { errors, Pool, type Dispatcher } from 'undici';
import {
  createBalancer,
  ProblemError,
  systemClock,
  type Clock,
  type LoadBalancer,
  type LoadBalancing,
  type Logger,
  type Resolver,
  tracingInterceptor,
} from '@opsloop/kit';
import { downstreamResponseHeaders } from './headers.js';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  resolver: Resolver;
  /**
   * How requests spread over a service's replicas; one balancer per upstream service. Default: least
   * outstanding requests with outlier ejection (5 failures in a row — refused or broken connection, timeout,
   * 5xx — eject a replica for 30 s, growing with repeats, at most half of a service's replicas at once).
   */
  loadBalancing?: LoadBalancing;
  /** Time of outlier ejection; the system clock by default. */
  clock?: Clock;
  /** Least-request's random choices, in [0, 1); Math.random by default. */
  random?: () => number;
  /** Told about ejections and returns of replicas. */
  log?: Logger;
  /** Deadline for the whole exchange, retries included. */
  timeoutMs: number;
  /** Extra attempts, on other replicas, for requests that are safe to retry. */
  retries: number;
  registry: Registry;
  /** Keep-alive connections per upstream replica. */
  connectionsPerReplica?: number;
}

/** A request the gateway sends to a service. */
export interface UpstreamRequest {
  method: string;
  /** Path and query string, as sent upstream. */
  url: string;
  headers: Record<string, string | string[]>;
  body?: Buffer | undefined;
  /** A shorter deadline than the proxy's (the storefront's parts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A service's answer: status, headers and the body as a stream (read or dump it). */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

/** Sends requests to ready replicas of a service. */
export interface Proxy {
  /**
   * Sends `request` to a replica of `service` with the retry policy; resolves with any HTTP answer and
   * rejects with a {@link ProblemError} (503, 502, 504) when no replica gave one.
   */
  send(service: string, request: UpstreamRequest, log?: FastifyBaseLogger): Promise<UpstreamResponse>;
  /** Sends `request` and streams the answer to `reply`. */
  forward(
    service: string,
    request: UpstreamRequest,
    reply: FastifyReply,
    log?: FastifyBaseLogger,
  ): Promise<FastifyReply>;
  close(): Promise<void>;
}

/** Bodies up to this size (with a Content-Length) are buffered rather than streamed to the client. */
const BUFFERED_BODY_MAX = 64 * 1024;

// RFC 9110 §9.2.2: methods a client may repeat without changing the outcome beyond the first attempt.
const RETRY_SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

type Failure = { kind: 'refused' | 'broken' | 'timeout'; message: string };

function classify(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return { kind: 'timeout', message };
  }
  if (error instanceof errors.RequestAbortedError || (error as Error | null)?.name === 'TimeoutError') {
    return { kind: 'timeout', message };
  }
  if (code === 'ECONNREFUSED' || error instanceof errors.ConnectTimeoutError)
    return { kind: 'refused', message };
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  if (cause?.code === 'ECONNREFUSED') return { kind: 'refused', message };
  return { kind: 'broken', message };
}

/**
 * The gateway's reverse proxy: least outstanding requests over the service's ready replicas (a request is
 * outstanding until its response headers arrive), replicas that keep failing ejected for a while (see
 * {@link ProxyOptions.loadBalancing}), and a retry policy that
 * never repeats an unsafe request a replica may have seen — GET/HEAD/OPTIONS are retried on another replica
 * after a connection failure or a 503; other methods only when the connection was refused (nothing was
 * sent). Failures become problem+json: 503 no replica, 502 broken exchange, 504 deadline.
 *
 * One undici `Pool` of keep-alive connections per replica origin, used directly (no per-request URL
 * parsing or origin lookup as with an `Agent`); pools of replicas that left discovery are closed.
 */
export function createProxy(options: ProxyOptions): Proxy {
  const pools = new Map<string, { pool: Pool; client: Dispatcher; service: string }>();
  const upstreamDuration = new Histogram({
    name: 'http_client_request_duration_seconds',
    help: 'Duration of requests the gateway sent upstream, by upstream service, method and outcome.',
    labelNames: ['upstream', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [options.registry],
  });

  // One labelled child per (service, method, outcome): prom-client hashes a label object on every observe.
  const observers = new Map<string, Histogram.Internal<'upstream' | 'method' | 'status'>>();
  const observe = (upstream: string, method: string, status: string, seconds: number): void => {
    const key = `${upstream} ${method} ${status}`;
    let child = observers.get(key);
    if (child === undefined) {
      child = upstreamDuration.labels({ upstream, method, status });
      observers.set(key, child);
    }
    child.observe(seconds);
  };

  const ejections = new Counter({
    name: 'http_client_outlier_ejections_total',
    help: 'Upstream replicas the gateway ejected from load balancing after consecutive failures, by upstream.',
    labelNames: ['upstream'] as const,
    registers: [options.registry],
  });

  const balancers = new Map<string, LoadBalancer>();
  const balancerFor = (service: string): LoadBalancer => {
    let balancer = balancers.get(service);
    if (balancer === undefined) {
      balancer = createBalancer(options.loadBalancing ?? {}, {
        clock: options.clock ?? systemClock,
        ...(options.random ? { random: options.random } : {}),
        onEject({ instance, durationMs, times }) {
          ejections.inc({ upstream: service });
          options.log?.warn(
            { upstream: service, instance, ejection_ms: durationMs, times },
            'upstream ejected',
          );
        },
        onReturn: (instance) =>
          options.log?.info({ upstream: service, instance }, 'upstream back from ejection'),
      });
      balancers.set(service, balancer);
    }
    return balancer;
  };

  const poolFor = (service: string, origin: string): Dispatcher => {
    const known = pools.get(origin);
    if (known !== undefined) return known.client;
    // A new replica: a good moment to let go of connections to replicas of this service that are gone.
    const current = new Set(options.resolver.endpoints(service).map((e) => e.url));
    for (const [url, entry] of pools) {
      if (entry.service === service && !current.has(url)) {
        pools.delete(url);
        void entry.pool.close().catch(() => undefined);
      }
    }
    const pool = new Pool(origin, {
      connections: options.connectionsPerReplica ?? 128,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: { timeout: 1_000 },
    });
    // A CLIENT span per attempt, whose traceparent replaces the one upstreamRequestHeaders() wrote.
    const client = pool.compose(tracingInterceptor({ peerService: service, origin }));
    pools.set(origin, { pool, client, service });
    return client;
  };

  const send: Proxy['send'] = async (service, request, log) => {
    const method = request.method;
    const retrySafe = RETRY_SAFE.has(method);
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    const started = Date.now();
    const tried = new Set<string>();
    const body = method === 'GET' || method === 'HEAD' ? undefined : request.body;
    let lastFailure: Failure | undefined;
    let allRefused = true;
    const balancer = balancerFor(service);

    for (let attempt = 0; attempt <= options.retries; attempt++) {
      const remaining = timeoutMs - (Date.now() - started);
      if (remaining <= 0) break;
      const lease = balancer.acquire(options.resolver.endpoints(service), tried);
      if (lease === undefined) break;
      const endpoint = lease.endpoint;
      tried.add(endpoint.instance);
      const attemptStart = performance.now();
      try {
        const upstream = await poolFor(service, endpoint.url).request({
          method,
          path: request.url,
          headers: request.headers,
          body,
          headersTimeout: remaining,
          bodyTimeout: timeoutMs,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        lease.release(upstream.statusCode >= 500 ? 'failure' : 'success');
        observe(service, method, String(upstream.statusCode), (performance.now() - attemptStart) / 1000);
        if (upstream.statusCode === 503 && retrySafe && attempt < options.retries) {
          await upstream.body.dump();
          lastFailure = { kind: 'broken', message: `${endpoint.instance} answered 503` };
          continue;
        }
        return upstream;
      } catch (error) {
        const failure = classify(error);
        // The client going away says nothing about the replica.
        lease.release(request.signal?.aborted === true ? 'ignored' : 'failure');
        observe(service, method, failure.kind, (performance.now() - attemptStart) / 1000);
        log?.warn({ upstream: service, instance: endpoint.instance, failure }, 'upstream attempt failed');
        lastFailure = failure;
        if (failure.kind !== 'refused') allRefused = false;
        if (failure.kind === 'timeout') break;
        if (!retrySafe && failure.kind !== 'refused') break;
      }
    }

    if (lastFailure === undefined) {
      throw new ProblemError('upstreamUnavailable', {
        detail: `no ready replica of ${service}`,
        headers: { 'retry-after': '1' },
      });
    }
    if (lastFailure.kind === 'timeout' || timeoutMs - (Date.now() - started) <= 0) {
      throw new ProblemError('upstreamTimeout', {
        detail: `${service} did not answer within ${timeoutMs} ms`,
      });
    }
    if (allRefused) {
      // No replica took the connection: the request never reached the service, as if there were none.
      throw new ProblemError('upstreamUnavailable', {
        detail: `no replica of ${service} accepted the connection`,
        headers: { 'retry-after': '1' },
      });
    }
    throw new ProblemError('badGateway', { detail: `${service} failed: ${lastFailure.message}` });
  };

  return {
    send,
    async forward(service, request, reply, log) {
      const upstream = await send(service, request, log);
      void reply.code(upstream.statusCode).headers(downstreamResponseHeaders(upstream.headers));
      const length = Number(upstream.headers['content-length']);
      // A small body is read whole and written with the headers in one syscall; piping it costs a write per
      // chunk plus the stream machinery. Large or unsized bodies stream.
      if (length <= BUFFERED_BODY_MAX && request.method !== 'HEAD') {
        return reply.send(Buffer.from(await upstream.body.arrayBuffer()));
      }
      return reply.send(upstream.body);
    },
    async close() {
      // Called after the server drained its clients: what is still in flight is background work (a key-set
      // fetch), which must not hold shutdown up.
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((entry) => entry.pool.destroy().catch(() => undefined)));
    },
  };
}
