import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from './support/stack.js';

interface SpanJson {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  service: string;
  status: { code: string };
}

/**
 * Issue 6's tracing must-show: one checkout through the gateway is one trace — gateway, checkout, inventory,
 * payments, orders, the order event and the notification — exported by every service over OTLP to the
 * runtime's receiver, with every span under its caller.
 */
describe('one checkout, one trace', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack();
    token = (
      JSON.parse(readFileSync(join(stack.dir, '.opsloop', 'runtime.json'), 'utf8')) as { token: string }
    ).token;
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.gateway}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('spans gateway → checkout → inventory, payments, orders → event → notifications', async () => {
    const email = `trace-${Date.now()}@example.com`;
    expect((await post('/api/users', { email, password: 'a-long-password', name: 'Trace' })).status).toBe(
      201,
    );
    const login = await post('/api/users/login', { email, password: 'a-long-password' });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };
    const page = (await (await fetch(`${stack.gateway}/api/products?limit=1`)).json()) as {
      items: { id: string }[];
    };
    const put = await fetch(`${stack.gateway}/api/cart/items/${page.items[0]!.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ quantity: 1 }),
    });
    expect(put.status).toBe(200);

    // The client starts the trace: its id is known, and the gateway continues it (W3C traceparent).
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const checkout = await post(
      '/api/checkout',
      {},
      { ...auth, 'idempotency-key': `trace-${traceId}`, traceparent: `00-${traceId}-${clientSpan}-01` },
    );
    expect(checkout.status).toBe(201);

    const wanted = ['gateway', 'checkout', 'inventory', 'payments', 'orders', 'notifications'];
    const spans = await waitFor(
      'every service of the checkout in the trace',
      async () => {
        const response = await fetch(`${stack.control}/api/traces/${traceId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (response.status !== 200) return undefined;
        const body = (await response.json()) as { spans: SpanJson[] };
        const services = new Set(body.spans.map((s) => s.service));
        const notified = body.spans.some((s) => s.service === 'notifications' && s.kind === 'consumer');
        return wanted.every((s) => services.has(s)) && notified ? body.spans : undefined;
      },
      60_000,
    );

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    // One tree: the only span whose parent is not in the trace is the gateway's, child of the client's span.
    const roots = spans.filter((s) => s.parentSpanId === undefined || !byId.has(s.parentSpanId));
    expect(roots.map((s) => [s.service, s.kind, s.parentSpanId])).toEqual([
      ['gateway', 'server', clientSpan],
    ]);
    const ancestry = (span: SpanJson): string[] => {
      const path: string[] = [];
      for (
        let at: SpanJson | undefined = span;
        at;
        at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined
      )
        path.unshift(`${at.service}:${at.kind}`);
      return path;
    };
    const serverOf = (service: string) => spans.find((s) => s.service === service && s.kind === 'server');
    for (const service of ['inventory', 'payments', 'orders']) {
      const path = ancestry(serverOf(service)!);
      expect(path[0]).toBe('gateway:server');
      expect(path).toContain('checkout:server');
    }
    const notification = spans.find((s) => s.service === 'notifications' && s.kind === 'consumer')!;
    const path = ancestry(notification);
    expect(path[0]).toBe('gateway:server');
    expect(path.some((step) => step.endsWith(':producer'))).toBe(true);
    expect(spans.filter((s) => s.status.code === 'error')).toEqual([]);
  }, 120_000);
});
