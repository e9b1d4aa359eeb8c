/**
 * A small in-memory stand-in of the shop's gateway API, made with the kit like a real service, for the
 * loadgen's own tests: users, tokens, products with cursor paging, carts, stock-checked checkout, a
 * storefront — and faults per endpoint (a status, a delay, a reset connection, a body off the contract).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, ProblemError, type Service } from '@opsloop/kit';

/** What an endpoint does instead of its job. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' }
  | { kind: 'off-contract' };

/** Options of {@link startStandInShop}. */
export interface StandInOptions {
  products?: number;
  /** Stock of every product. */
  stock?: number;
  /** Every n-th checkout (that has stock) is declined with 402. */
  declineEvery?: number;
  /** Faults by endpoint (`GET /api/storefront`, `GET /api/products/{id}`, …). */
  faults?: Record<string, Fault>;
}

/** A running stand-in. */
export interface StandInShop {
  url: string;
  /** Requests received by endpoint (route template as the loadgen names it). */
  counts: Map<string, number>;
  checkouts: { placed: number; declined: number; outOfStock: number };
  /** Distinct Idempotency-Keys seen by checkout. */
  idempotencyKeys: Set<string>;
  /** Distinct client addresses seen. */
  clients: Set<string>;
  close(): Promise<void>;
}

interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  price: { amountMinor: number; currency: string };
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startStandInShop(options: StandInOptions = {}): Promise<StandInShop> {
  const products: Product[] = Array.from({ length: options.products ?? 30 }, (_, i) => ({
    id: randomUUID(),
    sku: `SKU-${i}`,
    name: `Product ${i}`,
    description: '',
    category: 'test',
    price: { amountMinor: 100 + i, currency: 'EUR' },
  }));
  const stock = new Map(products.map((product) => [product.id, options.stock ?? 1_000_000]));
  const users = new Map<string, { password: string; id: string }>();
  const tokens = new Map<string, string>();
  const carts = new Map<string, Map<string, number>>();
  const counts = new Map<string, number>();
  const checkouts = { placed: 0, declined: 0, outOfStock: 0 };
  const idempotencyKeys = new Set<string>();
  const clients = new Set<string>();
  let checkoutNumber = 0;

  const service: Service = await createService({
    name: 'stand-in-shop',
    version: '0.0.0',
    env: { LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '3000' },
    setup({ app }) {
      app.addHook('onRequest', async (request, reply) => {
        clients.add(request.ip);
        const route = request.routeOptions.url;
        if (route === undefined) return;
        const endpoint = `${request.method} ${route.replace(/:(\w+)/g, '{$1}')}`;
        counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
        const fault = options.faults?.[endpoint];
        if (fault === undefined) return;
        switch (fault.kind) {
          case 'status':
            return reply.code(fault.status).header('location', '/elsewhere').send({ fault: true });
          case 'delay':
            await sleep(fault.ms);
            return;
          case 'reset':
            reply.hijack();
            request.raw.socket.destroy();
            return reply;
          case 'off-contract':
            return reply.code(200).send({ unexpected: true });
        }
      });

      const userOf = (authorization: string | undefined): string => {
        const user = tokens.get((authorization ?? '').replace(/^Bearer /, ''));
        if (user === undefined) throw new ProblemError('unauthorized');
        return user;
      };

      app.post('/api/users', (request, reply) => {
        const { email, password, name } = request.body as Record<string, string>;
        if (!email || !password || !name) throw new ProblemError('validationFailed');
        if (users.has(email)) throw new ProblemError('conflict');
        const id = randomUUID();
        users.set(email, { password, id });
        return reply.code(201).send({ id, email, name });
      });
      app.post('/api/users/login', (request) => {
        const { email, password } = request.body as Record<string, string>;
        const user = users.get(email ?? '');
        if (user === undefined || user.password !== password) throw new ProblemError('unauthorized');
        const token = randomUUID();
        tokens.set(token, user.id);
        return { accessToken: token };
      });
      app.get('/api/storefront', () => ({ featured: products.slice(0, 4) }));
      app.get('/api/products', (request) => {
        const query = request.query as Record<string, string>;
        const limit = Number(query.limit ?? 20);
        const start = Number(query.cursor ?? 0);
        const items = products.slice(start, start + limit);
        return { items, nextCursor: start + limit < products.length ? String(start + limit) : null };
      });
      app.get('/api/products/:id', (request) => {
        const product = products.find((p) => p.id === (request.params as { id: string }).id);
        if (product === undefined) throw new ProblemError('resourceNotFound');
        return product;
      });
      app.put('/api/cart/items/:productId', (request) => {
        const user = userOf(request.headers.authorization);
        const { productId } = request.params as { productId: string };
        const { quantity } = request.body as { quantity: number };
        if (!stock.has(productId)) throw new ProblemError('resourceNotFound');
        const cart = carts.get(user) ?? new Map<string, number>();
        carts.set(user, cart);
        cart.set(productId, quantity);
        return { items: [...cart].map(([id, qty]) => ({ productId: id, quantity: qty })) };
      });
      app.get('/api/cart', (request) => {
        const cart = carts.get(userOf(request.headers.authorization)) ?? new Map<string, number>();
        return { items: [...cart].map(([id, qty]) => ({ productId: id, quantity: qty })) };
      });
      app.post('/api/checkout', (request, reply) => {
        const user = userOf(request.headers.authorization);
        const key = request.headers['idempotency-key'];
        if (typeof key !== 'string') throw new ProblemError('idempotencyKeyRequired');
        idempotencyKeys.add(key);
        const cart = carts.get(user) ?? new Map<string, number>();
        if ([...cart].some(([id, qty]) => (stock.get(id) ?? 0) < qty)) {
          checkouts.outOfStock++;
          return reply
            .code(409)
            .send({ type: 'https://opsloop.dev/problems/conflict', title: 'out of stock', status: 409 });
        }
        checkoutNumber++;
        if (options.declineEvery !== undefined && checkoutNumber % options.declineEvery === 0) {
          checkouts.declined++;
          return reply.code(402).send({ type: 'about:blank', title: 'declined', status: 402 });
        }
        for (const [id, qty] of cart) stock.set(id, (stock.get(id) ?? 0) - qty);
        carts.delete(user);
        checkouts.placed++;
        return reply.code(201).send({ orderId: randomUUID(), state: 'placed' });
      });
    },
  });
  const url = await service.listen();
  return {
    url,
    counts,
    clients,
    checkouts,
    idempotencyKeys,
    close: async () => void (await service.shutdown('test')),
  };
}
