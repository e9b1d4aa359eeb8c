import type { FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { Agent, errors, request as undiciRequest } from 'undici';
import { ProblemError, type Balancer, type Resolver } from '@opsloop/kit';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  resolver: Resolver;
  balancer: Balancer;
  /** Deadline for the whole exchange, retries included. */
  timeoutMs: number;
  /** Extra attempts, on other replicas, for requests that are safe to retry. */
  retries: number;
  registry: Registry;
}

/** Forwards a request to a ready replica of a service. */
export interface Proxy {
  forward(service: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  close(): Promise<void>;
}

// RFC 9110 §9.2.2: methods a client may repeat without changing the outcome beyond the first attempt.
const RETRY_SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

type Failure = { kind: 'refused' | 'broken' | 'timeout'; message: string };

function classify(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return { kind: 'timeout', message };
  }
  if (code === 'ECONNREFUSED' || error instanceof errors.ConnectTimeoutError)
    return { kind: 'refused', message };
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  if (cause?.code === 'ECONNREFUSED') return { kind: 'refused', message };
  return { kind: 'broken', message };
}

/**
 * The gateway's reverse proxy: round-robin over the service's ready replicas, with a retry policy that
 * never repeats an unsafe request a replica may have seen — GET/HEAD/OPTIONS are retried on another replica
 * after a connection failure or a 503; other methods only when the connection was refused (nothing was
 * sent). Failures become problem+json: 503 no replica, 502 broken exchange, 504 deadline.
 */
export function createProxy(options: ProxyOptions): Proxy {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 256, connect: { timeout: 1_000 } });
  const upstreamDuration = new Histogram({
    name: 'http_client_request_duration_seconds',
    help: 'Duration of requests the gateway sent upstream, by upstream service, method and outcome.',
    labelNames: ['upstream', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [options.registry],
  });

  return {
    async forward(service, request, reply) {
      const method = request.method;
      const retrySafe = RETRY_SAFE.has(method);
      const started = Date.now();
      const tried = new Set<string>();
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      const headers = upstreamRequestHeaders(request.headers, {
        requestId: request.id,
        clientIp: request.ip,
        host: request.headers.host,
      });
      let lastFailure: Failure | undefined;
      let allRefused = true;

      for (let attempt = 0; attempt <= options.retries; attempt++) {
        const remaining = options.timeoutMs - (Date.now() - started);
        if (remaining <= 0) break;
        const endpoint = options.balancer.pick(options.resolver.endpoints(service), tried);
        if (endpoint === undefined) break;
        tried.add(endpoint.instance);
        const attemptStart = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - attemptStart) / 1e9;
        try {
          const upstream = await undiciRequest(`${endpoint.url}${request.url}`, {
            method: method as 'GET',
            headers,
            body: method === 'GET' || method === 'HEAD' ? undefined : body,
            dispatcher: agent,
            headersTimeout: remaining,
            bodyTimeout: options.timeoutMs,
          });
          upstreamDuration.observe(
            { upstream: service, method, status: String(upstream.statusCode) },
            seconds(),
          );
          if (upstream.statusCode === 503 && retrySafe && attempt < options.retries) {
            await upstream.body.dump();
            lastFailure = { kind: 'broken', message: `${endpoint.instance} answered 503` };
            continue;
          }
          request.log.debug({ upstream: service, instance: endpoint.instance }, 'proxied');
          return reply
            .code(upstream.statusCode)
            .headers(downstreamResponseHeaders(upstream.headers))
            .send(upstream.body);
        } catch (error) {
          const failure = classify(error);
          upstreamDuration.observe({ upstream: service, method, status: failure.kind }, seconds());
          request.log.warn(
            { upstream: service, instance: endpoint.instance, failure },
            'upstream attempt failed',
          );
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
      if (lastFailure.kind === 'timeout' || options.timeoutMs - (Date.now() - started) <= 0) {
        throw new ProblemError('upstreamTimeout', {
          detail: `${service} did not answer within ${options.timeoutMs} ms`,
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
    },
    close: () => agent.close(),
  };
}
