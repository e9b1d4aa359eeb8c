import { Code } from '@opsloop/rpc';
import { describe, expect, it } from 'vitest';
import {
  deadEndpoint,
  problemOf,
  startGateway,
  startShopRpcStub,
  startUpstream,
  stubOrder,
} from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

const ORDER_A = '0190a0b0-0000-7000-8000-00000000000a';
const ORDER_B = '0190a0b0-0000-7000-8000-00000000000b';
const ORDER_C = '0190a0b0-0000-7000-8000-00000000000c';
const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function setup(env: Record<string, string> = {}) {
  const rpc = await startShopRpcStub(cleanups);
  rpc.orders.set(ORDER_A, stubOrder(ORDER_A, 'alice', [1, 2]));
  rpc.orders.set(ORDER_B, stubOrder(ORDER_B, 'alice', [3]));
  rpc.orders.set(ORDER_C, stubOrder(ORDER_C, 'bob', [4]));
  const users = await startUpstream(cleanups, 'users', issuer);
  const gateway = await startGateway(
    cleanups,
    { users: [users.endpoint], orders: [rpc.endpoint] },
    { env: { RPC_TIMEOUT_MS: '500', ...env } },
  );
  const alice = { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` };
  const get = (url: string, headers: Record<string, string> = alice) => gateway.app.inject({ url, headers });
  return { rpc, gateway, get, alice };
}

describe('gateway: orders over gRPC', () => {
  it("lists the caller's orders as JSON, calling ListOrders with the token's subject", async () => {
    const { get, rpc } = await setup();
    const res = await get('/api/orders?limit=1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      orders: [
        {
          orderId: ORDER_A,
          state: 'confirmed',
          lines: [
            {
              productId: '00000000-0000-7000-8000-000000000001',
              quantity: 1,
              unitPrice: { amountMinor: 100, currency: 'EUR' },
            },
            {
              productId: '00000000-0000-7000-8000-000000000002',
              quantity: 1,
              unitPrice: { amountMinor: 200, currency: 'EUR' },
            },
          ],
          total: { amountMinor: 300, currency: 'EUR' },
          createdAt: '2030-01-01T00:00:00.000Z',
          updatedAt: '2030-01-01T00:00:00.000Z',
        },
      ],
      nextCursor: '1',
    });
    expect(rpc.calls[0]).toMatchObject({
      method: 'ListOrders',
      request: { userId: 'alice', limit: 1, cursor: '' },
    });
    const next = await get('/api/orders?limit=1&cursor=1');
    expect(next.json()).toMatchObject({
      orders: [{ orderId: ORDER_B, state: 'confirmed' }],
      nextCursor: null,
    });
  });

  it('sends the request id and the trace context with the call', async () => {
    const { gateway, rpc, alice } = await setup();
    await gateway.app.inject({
      url: '/api/orders',
      headers: { ...alice, 'x-request-id': 'req-orders-1', traceparent: TRACE },
    });
    expect(rpc.calls[0]?.headers['x-request-id']).toBe('req-orders-1');
    expect(rpc.calls[0]?.headers.traceparent).toMatch(
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/,
    );
  });

  it("answers one of the caller's orders, and 404 for someone else's or a missing one", async () => {
    const { get } = await setup();
    expect((await get(`/api/orders/${ORDER_B}`)).json()).toMatchObject({
      orderId: ORDER_B,
      total: { amountMinor: 300 },
    });
    const theirs = await get(`/api/orders/${ORDER_C}`);
    expect(problemOf(theirs, 404, 'resource-not-found').detail).toBe(`no order with id ${ORDER_C}`);
    const missing = await get('/api/orders/0190a0b0-0000-7000-8000-0000000000ff');
    expect(problemOf(missing, 404, 'resource-not-found').detail).toBe(
      'no order with id 0190a0b0-0000-7000-8000-0000000000ff',
    );
  });

  it.each([
    ['/api/orders?limit=0', 'limit'],
    ['/api/orders?limit=101', 'limit'],
    ['/api/orders?limit=abc', 'limit'],
    [`/api/orders?cursor=${'x'.repeat(600)}`, 'cursor'],
    ['/api/orders?cursor=%20', 'cursor'],
    ['/api/orders/not-a-uuid', 'id'],
  ])('refuses %s with 400 naming %s, without calling orders', async (url, field) => {
    const { get, rpc } = await setup();
    const body = problemOf(await get(url), 400, 'validation-failed');
    expect(body.errors).toContainEqual(expect.objectContaining({ path: field }));
    expect(rpc.calls).toHaveLength(0);
  });

  it("passes the orders service's INVALID_ARGUMENT on as 400", async () => {
    const { get } = await setup();
    problemOf(await get('/api/orders?cursor=bad'), 400, 'validation-failed');
  });

  it('requires a token', async () => {
    const { get } = await setup();
    problemOf(await get('/api/orders', {}), 401, 'unauthorized');
    problemOf(await get(`/api/orders/${ORDER_A}`, {}), 401, 'unauthorized');
  });

  it('says 503 when orders is unavailable and 504 when it is too slow', async () => {
    const { get, rpc } = await setup();
    rpc.failWith = Code.Unavailable;
    problemOf(await get('/api/orders'), 503, 'upstream-unavailable');
    rpc.failWith = Code.Internal;
    problemOf(await get('/api/orders'), 502, 'bad-gateway');
    rpc.failWith = undefined;
    rpc.delayMs = 2_000;
    problemOf(await get(`/api/orders/${ORDER_A}`), 504, 'upstream-timeout');
  });

  it('says 503 when no orders replica is there', async () => {
    const users = await startUpstream(cleanups, 'users', issuer);
    const gateway = await startGateway(
      cleanups,
      { users: [users.endpoint], orders: [await deadEndpoint(cleanups, 'orders')] },
      { env: { RPC_TIMEOUT_MS: '500' } },
    );
    const res = await gateway.app.inject({
      url: '/api/orders',
      headers: { authorization: `Bearer ${await issuer.sign()}` },
    });
    problemOf(res, 503, 'upstream-unavailable');
  });
});
