// Shared test doubles of the gateway's suites: an Ed25519 token issuer with a JWKS stand-in, recording
// upstream replicas on 127.0.0.1, and a gateway built in-process around a static resolver.
import { createHash } from 'node:crypto';
import { rpc, type Endpoint, type Product } from '@opsloop/contracts';
import { createService, createStaticResolver, type Clock, type Service } from '@opsloop/kit';
import { fastify, type FastifyReply, type FastifyRequest } from 'fastify';
import { Code, ConnectError, serveRpc, type HandlerContext } from '@opsloop/rpc';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { gatewayService, type GatewayServiceOptions } from '../src/app.js';

export const PROBLEMS = 'https://opsloop.dev/problems/';

/** Cleanups registered by the helpers; a suite runs them in afterEach/afterAll (reverse order). */
export function createCleanups() {
  const cleanups: (() => Promise<void>)[] = [];
  return {
    add(cleanup: () => Promise<void>) {
      cleanups.push(cleanup);
    },
    async run() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

export type Cleanups = ReturnType<typeof createCleanups>;

/** What a test token may override. */
export interface TokenClaims {
  sub?: string;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch; default an hour after `now`. */
  exp?: number;
  nbf?: number;
  kid?: string;
  /** Signs with this issuer's other (unpublished) key. */
  foreignKey?: boolean;
  alg?: string;
}

/** An Ed25519 key pair as the users service has one, and a signer of access tokens. */
export interface TokenIssuer {
  kid: string;
  jwks(): { keys: JWK[] };
  sign(claims?: TokenClaims, now?: number): Promise<string>;
  /** Replaces the key (rotation): old tokens stop verifying once the gateway refetches. */
  rotate(): Promise<void>;
}

export async function createTokenIssuer(): Promise<TokenIssuer> {
  let generation = 0;
  let kid = 'key-0';
  let pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  let publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    get kid() {
      return kid;
    },
    jwks: () => ({ keys: [publicJwk] }),
    async sign(claims = {}, now = Date.now()) {
      const seconds = Math.floor(now / 1000);
      const key: CryptoKey = claims.foreignKey === true ? foreign.privateKey : pair.privateKey;
      const jwt = new SignJWT({})
        .setProtectedHeader({ alg: claims.alg ?? 'EdDSA', kid: claims.kid ?? kid })
        .setSubject(claims.sub ?? 'user-1')
        .setIssuer(claims.iss ?? 'opsloop-shop')
        .setAudience(claims.aud ?? 'opsloop-shop')
        .setIssuedAt(seconds)
        .setExpirationTime(claims.exp ?? seconds + 3600);
      if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
      return jwt.sign(key);
    },
    async rotate() {
      generation += 1;
      kid = `key-${generation}`;
      pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    },
  };
}

export interface Hit {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | undefined;
}

/** How a fake upstream answers. */
export type Mode = 'ok' | 'unavailable' | 'reset' | 'hang';

export interface Upstream {
  name: string;
  url: string;
  endpoint: Endpoint;
  hits: Hit[];
  mode: Mode;
  close(): Promise<void>;
}

/**
 * A real upstream replica on 127.0.0.1:0 that records every request. It answers `/api/*` with an echo of
 * the request, `/.well-known/jwks.json` with `issuer`'s key set (the users service's part), and
 * `/api/products/missing*` with a 404 problem. `extra` may add routes first.
 */
export async function startUpstream(
  cleanups: Cleanups,
  name: string,
  issuer?: TokenIssuer,
  extra?: (app: ReturnType<typeof fastify>, upstream: Upstream) => void,
): Promise<Upstream> {
  const app = fastify({ logger: false, forceCloseConnections: true });
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const upstream: Upstream = {
    name,
    url: '',
    endpoint: { instance: name, url: '', version: '1.0.0' },
    hits: [],
    mode: 'ok',
    close: async () => {
      release();
      await app.close();
    },
  };
  /** Applies the upstream's failure mode; false when it already answered (or broke the connection). */
  const gate = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    switch (upstream.mode) {
      case 'unavailable':
        void reply.code(503).send({ upstream: name, error: 'draining' });
        return false;
      case 'reset':
        reply.hijack();
        request.raw.socket.destroy();
        return false;
      case 'hang':
        await hung;
        return true;
      case 'ok':
        return true;
    }
  };
  extra?.(app, upstream);
  if (issuer !== undefined) {
    app.get('/.well-known/jwks.json', async (request, reply) => {
      upstream.hits.push({
        method: 'GET',
        url: request.url,
        headers: { ...request.headers },
        body: undefined,
      });
      if (!(await gate(request, reply))) return reply;
      return reply.send(issuer.jwks());
    });
  }
  app.all('/api/*', async (request, reply) => {
    upstream.hits.push({
      method: request.method,
      url: request.url,
      headers: { ...request.headers },
      body: typeof request.body === 'string' ? request.body : undefined,
    });
    if (!(await gate(request, reply))) return reply;
    if (request.url.startsWith('/api/products/missing')) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ type: `${PROBLEMS}resource-not-found`, title: 'Resource not found', status: 404 });
    }
    return reply
      .code(request.method === 'POST' ? 201 : 200)
      .header('x-upstream', name)
      .header('cache-control', 'max-age=5')
      .header('x-request-id', 'set-by-upstream')
      .send({ upstream: name, method: request.method, url: request.url, body: request.body ?? null });
  });
  upstream.url = await app.listen({ port: 0, host: '127.0.0.1' });
  upstream.endpoint = { instance: name, url: upstream.url, version: '1.0.0' };
  cleanups.add(() => upstream.close());
  return upstream;
}

/** An endpoint nothing listens on any more: connections to it are refused. */
export async function deadEndpoint(cleanups: Cleanups, name: string): Promise<Endpoint> {
  const upstream = await startUpstream(cleanups, name);
  await upstream.close();
  return upstream.endpoint;
}

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Receives the gateway's log lines (set LOG_LEVEL in env to see them). */
  logDestination?: { write(line: string): void };
  orders?: GatewayServiceOptions['orders'];
  cart?: GatewayServiceOptions['cart'];
}

/** A gateway (not listening: use `app.inject`) over a static endpoint map. */
export async function startGateway(
  cleanups: Cleanups,
  endpoints: Record<string, Endpoint[]>,
  options: StartGatewayOptions = {},
): Promise<Service> {
  const service = await createService({
    ...gatewayService({
      createResolver: () => createStaticResolver(new Map(Object.entries(endpoints))),
      env: { ROUTES: '/api/products=catalog', LOG_LEVEL: 'silent', ...options.env },
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.orders ? { orders: options.orders } : {}),
      ...(options.cart ? { cart: options.cart } : {}),
    }),
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
  });
  cleanups.add(async () => {
    await service.shutdown('test');
  });
  return service;
}

/** Asserts `res` is a problem+json of `slug` with `status`, carrying the request id; returns the body. */
export function problemOf(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  slug: string,
): Record<string, unknown> {
  if (res.statusCode !== status) {
    throw new Error(`expected ${status} ${slug}, got ${res.statusCode}: ${JSON.stringify(res.json())}`);
  }
  const contentType = String(res.headers['content-type']);
  if (!contentType.startsWith('application/problem+json'))
    throw new Error(`not problem+json: ${contentType}`);
  const body = res.json() as Record<string, unknown>;
  if (body.type !== PROBLEMS + slug || body.status !== status) {
    throw new Error(`expected ${slug}: ${JSON.stringify(body)}`);
  }
  if (body.request_id !== res.headers['x-request-id']) throw new Error('request_id differs from the header');
  return body;
}

/** A product of the catalogue stub (ids are UUIDs with `n` at the end). */
export function stubProduct(n: number, category: string): Product {
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    sku: `SKU-${n}`,
    name: `Product ${n}`,
    description: `The ${n}th product`,
    category,
    price: { amountMinor: 100 * n, currency: 'EUR' },
  };
}

/** A catalogue stand-in: its products, its hit log, and knobs. */
export interface CatalogStub {
  endpoint: Endpoint;
  products: Product[];
  hits: Hit[];
  /** `Cache-Control` it sends (the real catalogue: `public, max-age=10`). */
  cacheControl: string;
  close(): Promise<void>;
}

/**
 * A stand-in of the catalogue that answers like the real one: `GET /api/products?limit=` and
 * `/api/products/{id}` with `Cache-Control`, a strong ETag over the body, and 304 on a matching
 * `If-None-Match`; 404 problem for unknown ids.
 */
export async function startCatalogStub(cleanups: Cleanups, count = 30): Promise<CatalogStub> {
  const app = fastify({ logger: false, forceCloseConnections: true });
  const stub: CatalogStub = {
    endpoint: { instance: 'catalog-stub', url: '', version: '1.0.0' },
    products: Array.from({ length: count }, (_, i) =>
      stubProduct(i + 1, ['audio', 'books', 'garden'][i % 3]!),
    ),
    hits: [],
    cacheControl: 'public, max-age=10',
    close: () => app.close(),
  };
  const answer = (request: FastifyRequest, reply: FastifyReply, value: unknown) => {
    const body = JSON.stringify(value);
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    void reply.header('cache-control', stub.cacheControl).header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(body);
  };
  // Like every opsloop service: errors are problem+json, never Fastify's defaults.
  const problem = (reply: FastifyReply, status: number, slug: string) =>
    reply
      .code(status)
      .type('application/problem+json')
      .send({ type: `${PROBLEMS}${slug}`, title: slug, status });
  app.setNotFoundHandler((_request, reply) => problem(reply, 404, 'route-not-found'));
  app.setErrorHandler((_error, _request, reply) => problem(reply, 400, 'validation-failed'));
  app.addHook('onRequest', (request, _reply, done) => {
    stub.hits.push({
      method: request.method,
      url: request.url,
      headers: { ...request.headers },
      body: undefined,
    });
    done();
  });
  app.get('/api/products', async (request, reply) => {
    const limit = Number((request.query as { limit?: string }).limit ?? 20);
    return answer(request, reply, { items: stub.products.slice(0, limit), nextCursor: null });
  });
  app.get('/api/products/:id', async (request, reply) => {
    const product = stub.products.find((p) => p.id === (request.params as { id: string }).id);
    if (product === undefined) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ type: `${PROBLEMS}resource-not-found`, title: 'Resource not found', status: 404 });
    }
    return answer(request, reply, product);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  stub.endpoint = { instance: 'catalog-stub', url, version: '1.0.0' };
  cleanups.add(() => stub.close());
  return stub;
}

/** A fake of the orders and cart gRPC services: what they hold, what they were asked, and knobs. */
export interface ShopRpcStub {
  endpoint: Endpoint;
  /** Orders by id (user ids inside). */
  orders: Map<string, rpc.Order>;
  /** Calls received: method name and the request metadata the gateway sent. */
  calls: { method: string; request: unknown; headers: Record<string, string> }[];
  /** While set, every call fails with this code. */
  failWith: Code | undefined;
  /** Milliseconds to wait before answering (the deadline aborts it). */
  delayMs: number;
  close(): Promise<void>;
}

/** Starts a kit service serving OrdersService and CartService over gRPC (serveRpc) on 127.0.0.1. */
export async function startShopRpcStub(cleanups: Cleanups): Promise<ShopRpcStub> {
  const stub = {
    endpoint: { instance: 'shop-rpc', url: '', version: '1.0.0' },
    orders: new Map<string, rpc.Order>(),
    calls: [],
    failWith: undefined,
    delayMs: 0,
  } as unknown as ShopRpcStub;
  const enter = async (method: string, request: unknown, context: HandlerContext) => {
    stub.calls.push({ method, request, headers: Object.fromEntries(context.requestHeader.entries()) });
    if (stub.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, stub.delayMs);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new ConnectError('cancelled', Code.Canceled));
        });
      });
    }
    if (stub.failWith !== undefined) throw new ConnectError('stub failure', stub.failWith);
  };
  const service = await createService({
    name: 'shop-rpc',
    version: '1.0.0',
    env: { LOG_LEVEL: 'silent', PORT: '0', SHUTDOWN_TIMEOUT_MS: '1000' },
    setup(context) {
      serveRpc(context, (router) => {
        router.service(rpc.OrdersService, {
          async listOrders(request, ctx) {
            await enter('ListOrders', request, ctx);
            if (request.cursor === 'bad') throw new ConnectError('cursor is not valid', Code.InvalidArgument);
            const mine = [...stub.orders.values()].filter((o) => o.userId === request.userId);
            const start = request.cursor === '' ? 0 : Number(request.cursor);
            const limit = request.limit || 20;
            const page = mine.slice(start, start + limit);
            return { orders: page, nextCursor: start + limit < mine.length ? String(start + limit) : '' };
          },
          async getOrder(request, ctx) {
            await enter('GetOrder', request, ctx);
            const order = stub.orders.get(request.orderId);
            if (order === undefined) throw new ConnectError(`no order ${request.orderId}`, Code.NotFound);
            return order;
          },
          createOrder: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
          transition: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
        });
        router.service(rpc.CartService, {
          async getCart(request, ctx) {
            await enter('GetCart', request, ctx);
            return {
              userId: request.userId,
              lines: [],
              subtotal: { amountMinor: 0n, currency: 'EUR' },
              discount: { amountMinor: 0n, currency: 'EUR' },
              total: { amountMinor: 0n, currency: 'EUR' },
            };
          },
          priceLines: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
          clearCart: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
        });
      });
    },
  });
  const url = await service.listen();
  stub.endpoint = { instance: 'shop-rpc', url, version: '1.0.0' };
  stub.close = async () => {
    await service.shutdown('test');
  };
  cleanups.add(() => stub.close());
  return stub;
}

/** An order as the orders service would hold it. */
export function stubOrder(orderId: string, userId: string, productNumbers: number[]): rpc.Order {
  return {
    $typeName: 'opsloop.shop.v1.Order',
    orderId,
    userId,
    state: rpc.OrderState.CONFIRMED,
    lines: productNumbers.map((n) => ({
      $typeName: 'opsloop.shop.v1.OrderLine',
      productId: stubProduct(n, '').id,
      quantity: 1,
      unitPrice: { $typeName: 'opsloop.shop.v1.Money', amountMinor: BigInt(100 * n), currency: 'EUR' },
    })),
    total: {
      $typeName: 'opsloop.shop.v1.Money',
      amountMinor: BigInt(productNumbers.reduce((sum, n) => sum + 100 * n, 0)),
      currency: 'EUR',
    },
    createdAtMs: BigInt(Date.parse('2030-01-01T00:00:00Z')),
    updatedAtMs: BigInt(Date.parse('2030-01-01T00:00:00Z')),
    replayed: false,
  };
}

/** A priced cart as the cart service would answer GetCart (one line of product 1, 10 % off). */
export function stubCart(userId: string): rpc.Cart {
  const money = (amountMinor: bigint) => ({
    $typeName: 'opsloop.shop.v1.Money' as const,
    amountMinor,
    currency: 'EUR',
  });
  return {
    $typeName: 'opsloop.shop.v1.Cart',
    userId,
    lines: [
      {
        $typeName: 'opsloop.shop.v1.CartLine',
        productId: stubProduct(1, '').id,
        name: 'Product 1',
        quantity: 2,
        unitPrice: money(100n),
        lineTotal: money(200n),
      },
    ],
    subtotal: money(200n),
    discountPercent: 10,
    discount: money(20n),
    total: money(180n),
    loyaltyPoints: 7,
    version: 3n,
  };
}

/** A ListOrders answer. */
export function stubOrderPage(orders: rpc.Order[], nextCursor = ''): rpc.ListOrdersResponse {
  return { $typeName: 'opsloop.shop.v1.ListOrdersResponse', orders, nextCursor };
}
