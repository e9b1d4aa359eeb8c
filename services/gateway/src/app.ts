import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { rpc } from '@opsloop/contracts';
import {
  ProblemError,
  systemClock,
  type BaseConfig,
  type Clock,
  type Resolver,
  type ServiceOptions,
} from '@opsloop/kit';
import { createRpcClient } from '@opsloop/rpc';
import { createJwksSource } from './auth/jwks-source.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { createCachedProxy, type CachedProxy } from './cache/cached-proxy.js';
import { createResponseCache } from './cache/response-cache.js';
import { gatewayConfigSchema, type GatewayConfig } from './config.js';
import { createEdgeHook } from './edge.js';
import { upstreamRequestHeaders } from './headers.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { registerApiDocs } from './openapi/routes.js';
import { registerOrderRoutes } from './orders/routes.js';
import type { CartReader, OrdersReader } from './orders/rpc-ports.js';
import { createProxy, type Proxy } from './proxy.js';
import { RATE_LIMIT_FLAG, watchRateLimitFlag } from './rate-limit/rate-limit-flag.js';
import { createRateLimiter } from './rate-limit/token-bucket.js';
import { rpcHeaders, type GatewayRequestState } from './request-state.js';
import { matchRoute, type GatewayRoute } from './route-table.js';
import { createCatalogReader } from './storefront/catalog-reader.js';
import { createStorefront } from './storefront/storefront.js';
import { OpenFeature } from '@openfeature/server-sdk';
import { flagsFromEnv } from '@opsloop/flags';
import { loadBalancingFromEnv } from '@opsloop/kit';
import { randomUUID } from 'node:crypto';

/** The flag that turns order-based recommendations off (a kill switch for the orders service). */
export const PERSONALISED_RECOMMENDATIONS_FLAG = 'storefront-personalised-recommendations';

export { gatewayConfigSchema };

/** Options of {@link gatewayService}. */
export interface GatewayServiceOptions {
  /** Creates the discovery resolver once config is known. */
  createResolver(config: GatewayConfig & BaseConfig): Resolver;
  env?: Record<string, string | undefined>;
  /** Time for rate limits, the cache and token expiry; the system clock by default. */
  clock?: Clock;
  /** gRPC stand-ins for tests; by default Connect clients over discovery (`createRpcClient`). */
  orders?: OrdersReader;
  cart?: CartReader;
}

function underPrefix(prefixes: readonly string[], path: string): boolean {
  return prefixes.some((p) => path === p || (path.startsWith(p) && path[p.length] === '/'));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function stateOf(request: FastifyRequest): GatewayRequestState {
  // The edge hook sets it for every /api request, the only ones these handlers serve.
  if (request.gateway === null) throw new ProblemError('internalError');
  return request.gateway;
}

function registerProxyRoutes(
  app: FastifyInstance,
  config: GatewayConfig,
  proxy: Proxy,
  cached: CachedProxy,
  cacheOutcomes: Counter<'outcome'>,
): void {
  const routes: readonly GatewayRoute[] = config.ROUTES;
  const cacheEnabled = config.CACHE_MAX_ENTRIES > 0 && config.CACHE_PREFIXES.length > 0;
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
    const path = pathOf(request.url);
    const route = matchRoute(routes, path);
    if (route === undefined) {
      throw new ProblemError('routeNotFound', { detail: `no route for ${request.method} ${path}` });
    }
    const state = stateOf(request);
    // Anonymous GETs only: an answer to a signed-in request may be personal (the upstream sees x-user-id).
    const cacheable =
      cacheEnabled &&
      request.method === 'GET' &&
      !state.credentials &&
      underPrefix(config.CACHE_PREFIXES, path);
    const headers = upstreamRequestHeaders(
      request.headers,
      {
        requestId: request.id,
        clientIp: request.ip,
        host: request.headers.host,
        userId: state.userId,
        traceparent: state.trace.traceparent,
        tracestate: state.trace.tracestate,
      },
      cacheable,
    );
    const upstream = {
      method: request.method,
      url: request.url,
      headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
    };
    if (!cacheable) return proxy.forward(route.service, upstream, reply, request.log);
    return cached
      .serve(route.service, upstream, request.headers, reply, request.log)
      .then(({ reply: sent, outcome }) => {
        cacheOutcomes.inc({ outcome });
        return sent;
      });
  });
}

/** The gateway service definition: the only public entry, routing `/api/*` to services. */
export function gatewayService(options: GatewayServiceOptions): ServiceOptions<typeof gatewayConfigSchema> {
  return {
    name: 'gateway',
    version: '0.1.0',
    configSchema: gatewayConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup({ app, config, log, readiness, metrics, onShutdown, identity }) {
      const clock = options.clock ?? systemClock;
      const resolver = options.createResolver(config);
      for (const route of config.ROUTES) resolver.watch(route.service);
      for (const service of [config.USERS_SERVICE, config.CATALOG_SERVICE]) resolver.watch(service);
      readiness.register('discovery', () => resolver.synced());

      const proxy = createProxy({
        resolver,
        clock,
        log,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        retries: config.UPSTREAM_RETRIES,
        registry: metrics.registry,
        // LB_POLICY, LB_OUTLIER_* (least-request with outlier ejection unless set otherwise).
        loadBalancing: loadBalancingFromEnv(config),
      });
      const cache = createResponseCache({
        maxEntries: config.CACHE_MAX_ENTRIES,
        maxBytes: config.CACHE_MAX_BYTES,
        maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
        clock,
      });
      const cached = createCachedProxy({ proxy, cache, clock });

      const jwks = createJwksSource({
        clock,
        refetchCooldownMs: config.JWKS_REFETCH_COOLDOWN_MS,
        fetchTimeoutMs: config.JWKS_FETCH_TIMEOUT_MS,
        async fetchJwks(signal) {
          const response = await proxy.send(
            config.USERS_SERVICE,
            { method: 'GET', url: config.JWKS_PATH, headers: { accept: 'application/json' }, signal },
            log,
          );
          if (response.statusCode !== 200) {
            await response.body.dump();
            throw new Error(`${config.USERS_SERVICE} answered ${response.statusCode} for its key set`);
          }
          return response.body.json();
        },
      });
      // Load the key set early, and keep trying until it is there: public routes never wait for it, so a
      // caller's token is only recognised on them once it is loaded.
      void jwks.refresh();
      const warmUp = setInterval(() => {
        if (jwks.loaded()) clearInterval(warmUp);
        else void jwks.refresh();
      }, 1_000).unref();
      const verifier = createTokenVerifier({
        keys: jwks,
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
        clock,
        clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_S,
        cacheSize: config.TOKEN_CACHE_SIZE,
        cacheTtlMs: config.TOKEN_CACHE_TTL_MS,
      });
      const closers: (() => Promise<void>)[] = [];
      // Feature flags from the runtime (OpenFeature); without OPSLOOP_FLAGS_URL every flag takes its default.
      const flagProvider = flagsFromEnv(options.env ?? process.env, { log });
      const flagDomain = `gateway-${randomUUID()}`;
      const flags = OpenFeature.getClient(flagDomain);

      const limiter = createRateLimiter({
        ratePerSecond: config.RATE_LIMIT_RPS,
        burst: config.RATE_LIMIT_BURST,
        maxClients: config.RATE_LIMIT_MAX_CLIENTS,
        clock,
      });
      const configuredLimits = { ratePerSecond: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST };
      const rateLimitRps = new Gauge({
        name: 'gateway_rate_limit_rps',
        help: `Per-client rate limit in force, requests per second (RATE_LIMIT_RPS unless the ${RATE_LIMIT_FLAG} flag sets it).`,
        registers: [metrics.registry],
      });
      rateLimitRps.set(config.RATE_LIMIT_RPS);
      // Load shedding without a restart: the flag's handlers are registered before the provider is set, so
      // its first Ready applies the flag's value.
      const rateLimitFlag = watchRateLimitFlag({
        flags,
        limiter,
        configured: configuredLimits,
        log,
        onChange: (limits) => rateLimitRps.set(limits.ratePerSecond),
      });
      closers.push(() => Promise.resolve(rateLimitFlag.close()));
      if (flagProvider !== undefined) {
        // Not awaited: until the first answer, flags evaluate to their code defaults (the gateway starts anyway).
        void OpenFeature.setProviderAndWait(flagDomain, flagProvider).catch((error: unknown) =>
          log.warn({ err: error }, 'feature flags unavailable; using defaults'),
        );
        closers.push(() => flagProvider.onClose());
      }

      app.decorateRequest('gateway', null);
      app.addHook(
        'onRequest',
        createEdgeHook({
          publicRoutes: config.PUBLIC_ROUTES,
          verifier,
          limiter,
          ratePolicy: () => rateLimitFlag.policy(),
          routed: (request, path) => {
            const url = request.routeOptions.url;
            if (url === undefined) return false;
            return url !== '/api/*' || matchRoute(config.ROUTES, path) !== undefined;
          },
        }),
      );

      let orders = options.orders;
      if (orders === undefined) {
        const client = createRpcClient(rpc.OrdersService, {
          target: config.ORDERS_SERVICE,
          resolver,
          log,
          metrics,
          timeoutMs: config.RPC_TIMEOUT_MS,
          identity,
        });
        closers.push(() => client.close());
        orders = client;
      }
      let cart = options.cart;
      if (cart === undefined) {
        const client = createRpcClient(rpc.CartService, {
          target: config.CART_SERVICE,
          resolver,
          log,
          metrics,
          timeoutMs: config.RPC_TIMEOUT_MS,
          identity,
        });
        closers.push(() => client.close());
        cart = client;
      }

      registerOrderRoutes(app, { orders, service: config.ORDERS_SERVICE, timeoutMs: config.RPC_TIMEOUT_MS });
      const storefront = createStorefront({
        catalog: createCatalogReader(cached, config.CATALOG_SERVICE),
        cart,
        orders,
        partTimeoutMs: config.STOREFRONT_PART_TIMEOUT_MS,
        personalised: (userId) =>
          flags.getBooleanValue(PERSONALISED_RECOMMENDATIONS_FLAG, true, { targetingKey: userId }),
      });
      app.get('/api/storefront', async (request) => {
        const state = stateOf(request);
        return storefront.build(state.userId, rpcHeaders(request.id, state));
      });

      await registerApiDocs(
        app,
        buildOpenApiDocument({
          routes: config.ROUTES,
          publicRoutes: config.PUBLIC_ROUTES,
          version: config.SERVICE_VERSION ?? '0.1.0',
        }),
      );

      const cacheOutcomes = new Counter({
        name: 'gateway_cache_requests_total',
        help: 'Cacheable GETs by outcome (hit, miss, revalidated).',
        labelNames: ['outcome'] as const,
        registers: [metrics.registry],
      });
      registerProxyRoutes(app, config, proxy, cached, cacheOutcomes);

      onShutdown(async () => {
        clearInterval(warmUp);
        await Promise.all(closers.map((close) => close()));
        await resolver.close();
        await proxy.close();
      });
    },
  };
}
