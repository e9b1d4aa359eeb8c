import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productPageSchema, problemDocumentSchema } from '@opsloop/contracts';
import { alive, replicaPids, startStack, waitFor, type Stack } from './support/stack.js';

// The whole platform as a user runs it: `opsloop up` on the spec, requests through the gateway.
describe('the shop through opsloop up', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 200_000);

  afterAll(async () => {
    if (stack && stack.process.exitCode === null) await stack.stop();
  }, 60_000);

  it('lists and searches products through the gateway', async () => {
    const response = await fetch(`${stack.gateway}/api/products?q=coffee&limit=10`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
    const page = productPageSchema.parse(await response.json());
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) expect(JSON.stringify(item).toLowerCase()).toContain('coffee');
  });

  it('propagates a caller request id end to end', async () => {
    const response = await fetch(`${stack.gateway}/api/products?limit=1`, {
      headers: { 'x-request-id': 'e2e-trace-42' },
    });
    expect(response.headers.get('x-request-id')).toBe('e2e-trace-42');
  });

  it.each([
    ['an unknown route', '/api/nope', {}, 404, 'route-not-found'],
    ['limit=-5', '/api/products?limit=-5', {}, 400, 'validation-failed'],
    ['a malformed product id', '/api/products/not-a-uuid', {}, 400, 'validation-failed'],
    [
      'a non-JSON body',
      '/api/users/login',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": nope' },
      400,
      'malformed-body',
    ],
    [
      'a 2 MB body',
      '/api/users/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(2_000_000) }),
      },
      413,
      'payload-too-large',
    ],
  ] as const)('answers %s with a problem document', async (_name, path, init, status, slug) => {
    const response = await fetch(`${stack.gateway}${path}`, init);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = problemDocumentSchema.parse(await response.json());
    expect(problem.type).toBe(`https://opsloop.dev/problems/${slug}`);
    expect(problem.status).toBe(status);
    expect(JSON.stringify(problem)).not.toMatch(/\n\s+at /);
  });

  it('keeps answering when a catalog replica is SIGKILLed, and the runtime restarts it', async () => {
    const before = await replicaPids(stack);
    const victim = before.get('catalog-1');
    expect(victim).toBeTypeOf('number');
    process.kill(victim!, 'SIGKILL');
    // Every request during and after the kill must succeed: the gateway retries GETs on the other replica.
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${stack.gateway}/api/products?limit=5`);
      expect(response.status).toBe(200);
    }
    const restarted = await waitFor('catalog-1 to be restarted and ready', async () => {
      const result = await stack.cli('status', '-o', 'json');
      const status = JSON.parse(result.stdout) as {
        services: {
          name: string;
          replicas: {
            name: string;
            pid: number | null;
            ready: boolean;
            restarts: number;
            lastExit: { reason: string } | null;
          }[];
        }[];
      };
      const replica = status.services.flatMap((s) => s.replicas).find((r) => r.name === 'catalog-1');
      return replica && replica.ready && replica.restarts >= 1 && replica.pid !== victim
        ? replica
        : undefined;
    });
    expect(restarted.lastExit?.reason).toBe('Signal(SIGKILL)');
    expect(alive(victim!)).toBe(false);
    const after = await fetch(`${stack.gateway}/api/products?limit=1`);
    expect(after.status).toBe(200);
  }, 60_000);

  it('a user signs up, fills a cart and checks out: the order is paid, points and mails follow', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${stack.gateway}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const email = `e2e-${Date.now()}@example.com`;
    const signup = await post('/api/users', { email, password: 'a-long-password', name: 'E2E' });
    expect(signup.status).toBe(201);
    const login = await post('/api/users/login', { email, password: 'a-long-password' });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };

    // Protected routes refuse a missing or forged token with problem+json.
    const anonymous = await fetch(`${stack.gateway}/api/cart`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const forged = await fetch(`${stack.gateway}/api/cart`, {
      headers: { authorization: `Bearer ${accessToken.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);

    const page = productPageSchema.parse(await (await fetch(`${stack.gateway}/api/products?limit=1`)).json());
    const product = page.items[0]!;
    const put = await fetch(`${stack.gateway}/api/cart/items/${product.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ quantity: 2 }),
    });
    expect(put.status).toBe(200);

    const key = `e2e-${Date.now()}`;
    const checkout = await post('/api/checkout', {}, { ...auth, 'idempotency-key': key });
    expect(checkout.status).toBe(201);
    const placed = (await checkout.json()) as { orderId: string; total: { amountMinor: number } };
    expect(placed.total.amountMinor).toBe(product.price.amountMinor * 2);
    // The same key replays the answer: one order, one charge.
    const again = await post('/api/checkout', {}, { ...auth, 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { orderId: string }).orderId).toBe(placed.orderId);

    const order = await fetch(`${stack.gateway}/api/orders/${placed.orderId}`, { headers: auth });
    expect(order.status).toBe(200);
    expect(((await order.json()) as { state: string }).state).toBe('paid');
    const cart = (await (await fetch(`${stack.gateway}/api/cart`, { headers: auth })).json()) as {
      lines: unknown[];
    };
    expect(cart.lines).toEqual([]);

    // Asynchronous effects through the bus: loyalty points and the confirmation mail.
    const expectedPoints = Math.floor((product.price.amountMinor * 2) / 100);
    await waitFor('loyalty points', async () => {
      const me = (await (await fetch(`${stack.gateway}/api/users/me`, { headers: auth })).json()) as {
        loyaltyPoints: number;
      };
      return me.loyaltyPoints === expectedPoints ? true : undefined;
    });
    const sink = join(stack.dir, 'data', 'mail-sink');
    await waitFor('the order mail', () =>
      existsSync(sink) &&
      readdirSync(sink).some((file) =>
        readFileSync(join(sink, file), 'utf8').includes(`Subject: Your order ${placed.orderId.slice(0, 8)}`),
      )
        ? true
        : undefined,
    );
  }, 60_000);

  it('shows every replica in opsloop status', async () => {
    const result = await stack.cli('status');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/SERVICE\s+REPLICA\s+PHASE\s+READY\s+RESTARTS/);
    for (const name of ['catalog-1', 'catalog-2', 'checkout-1', 'notifications-1', 'gateway-1'])
      expect(result.stdout).toContain(name);
  });

  it('stops with opsloop down and leaves no process behind', async () => {
    const pids = [...(await replicaPids(stack)).values()];
    const down = await stack.cli('down');
    expect(down.status, down.stderr).toBe(0);
    expect(await stack.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
  }, 60_000);
});
