import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createRoundRobin,
  ProblemError,
  type BaseConfig,
  type Resolver,
  type ServiceOptions,
} from '@opsloop/kit';
import { createProxy } from './proxy.js';
import { matchRoute, parseRoutes, type GatewayRoute } from './route-table.js';

/** The gateway's own configuration. */
export const gatewayConfigSchema = z.object({
  /** `/prefix=service` entries separated by `;`, e.g. `/api/products=catalog`. */
  ROUTES: z
    .string({ error: 'required: /prefix=service entries separated by ";"' })
    .transform((value, ctx) => {
      try {
        return parseRoutes(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  UPSTREAM_TIMEOUT_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int()
    .min(1)
    .max(600_000)
    .default(5_000),
  UPSTREAM_RETRIES: z.coerce.number({ error: 'expected a count' }).int().min(0).max(5).default(2),
  /** Static endpoints when not run by the runtime: `catalog=http://127.0.0.1:3001,http://...;cart=...`. */
  OPSLOOP_ENDPOINTS: z.string().optional(),
});

/** Options of {@link gatewayService}. */
export interface GatewayServiceOptions {
  /** Creates the discovery resolver once config is known. */
  createResolver(config: z.infer<typeof gatewayConfigSchema> & BaseConfig): Resolver;
  env?: Record<string, string | undefined>;
}

function registerGatewayRoutes(
  app: FastifyInstance,
  routes: readonly GatewayRoute[],
  forward: (service: string, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
): void {
  app.removeAllContentTypeParsers();
  // The gateway forwards bodies byte for byte; it only rejects JSON that is not JSON, at the edge.
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json/,
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        if ((body as Buffer).length === 0) throw new Error('empty');
        JSON.parse((body as Buffer).toString('utf8'));
        done(null, body);
      } catch {
        done(new ProblemError('malformedBody', { detail: 'the body is not valid JSON' }), undefined);
      }
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all('/api/*', (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const route = matchRoute(routes, path);
    if (route === undefined) {
      throw new ProblemError('routeNotFound', { detail: `no route for ${request.method} ${path}` });
    }
    return forward(route.service, request, reply);
  });
}

/** The gateway service definition: the only public entry, routing `/api/*` to services. */
export function gatewayService(options: GatewayServiceOptions): ServiceOptions<typeof gatewayConfigSchema> {
  return {
    name: 'gateway',
    version: '0.1.0',
    configSchema: gatewayConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    setup({ app, config, readiness, metrics, onShutdown }) {
      const resolver = options.createResolver(config);
      for (const route of config.ROUTES) resolver.watch(route.service);
      const proxy = createProxy({
        resolver,
        balancer: createRoundRobin(),
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        retries: config.UPSTREAM_RETRIES,
        registry: metrics.registry,
      });
      readiness.register('discovery', () => resolver.synced());
      registerGatewayRoutes(app, config.ROUTES, (service, request, reply) =>
        proxy.forward(service, request, reply),
      );
      onShutdown(async () => {
        await resolver.close();
        await proxy.close();
      });
    },
  };
}
