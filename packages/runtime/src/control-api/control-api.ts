import { z } from 'zod';
import type { DestinationStream } from 'pino';
import type { SystemStatus } from '@opsloop/contracts';
import { registerBrokerRoutes, type BrokerApi } from '@opsloop/bus';
import { createService, parseInput, ProblemError, type Service } from '@opsloop/kit';
import type { EndpointRegistry } from '../registry/registry.js';
import type { Role, TokenStore } from './tokens.js';

/** Options of {@link createControlApi}. */
export interface ControlApiOptions {
  port: number;
  tokens: TokenStore;
  registry: EndpointRegistry;
  status(): SystemStatus;
  /** Called by `POST /v1/shutdown`; the runtime stops after the response is sent. */
  requestShutdown(): void;
  logDestination?: DestinationStream;
  /** The embedded event broker to serve under `/v1/bus/…`, with the token replicas use for it. */
  bus?: { broker: BrokerApi; token: string };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route; routes without it are public (health only). */
    roles?: readonly Role[];
  }
}

const watchQuery = z.object({
  watch: z.coerce.number().int().min(0).optional(),
  timeoutSeconds: z.coerce.number().int().min(1).max(300).default(30),
});

/**
 * The runtime's control API on loopback: status, endpoints for discovery (long-poll watch) and shutdown.
 * Every route except health requires a bearer token whose role is allowed for it.
 */
export async function createControlApi(options: ControlApiOptions): Promise<Service> {
  return createService({
    name: 'control-api',
    version: '0.1.0',
    env: { PORT: String(options.port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '2000' },
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    setup({ app }) {
      app.addHook('onRequest', (request, _reply, done) => {
        const roles = request.routeOptions.config.roles;
        if (roles === undefined) return done();
        const role = options.tokens.roleOf(request.headers.authorization);
        if (role === undefined) {
          return done(
            new ProblemError('unauthorized', { headers: { 'www-authenticate': 'Bearer realm="opsloop"' } }),
          );
        }
        if (!roles.includes(role)) {
          return done(
            new ProblemError('forbidden', {
              detail: `role ${role} may not call ${request.method} ${request.routeOptions.url ?? ''}`,
            }),
          );
        }
        done();
      });

      app.get('/v1/status', { config: { roles: ['admin', 'viewer'] } }, () => options.status());

      app.get(
        '/v1/endpoints/:service',
        { config: { roles: ['admin', 'viewer', 'discovery'] } },
        async (request) => {
          const { service } = parseInput(
            z.object({ service: z.string().min(1).max(63) }),
            request.params,
            'path',
          );
          const query = parseInput(watchQuery, request.query, 'query');
          if (query.watch === undefined) return options.registry.list(service);
          const abort = new AbortController();
          request.raw.once('close', () => abort.abort());
          return options.registry.watch(service, query.watch, query.timeoutSeconds * 1000, abort.signal);
        },
      );

      // The broker checks its own token: a replica's bus token grants the bus and nothing else.
      if (options.bus) registerBrokerRoutes(app, options.bus.broker, { token: options.bus.token });

      app.post('/v1/shutdown', { config: { roles: ['admin'] } }, (_request, reply) => {
        reply.raw.once('finish', () => options.requestShutdown());
        return reply.code(202).send({ status: 'shutting down' });
      });
    },
  });
}
