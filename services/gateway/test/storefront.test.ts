import { describe, expect, it } from 'vitest';
import { storefrontSchema } from '../src/storefront/storefront.js';
import {
  deadEndpoint,
  startCatalogStub,
  startGateway,
  startShopRpcStub,
  startUpstream,
  stubOrder,
} from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

async function signedIn() {
  return { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` };
}

describe('gateway: GET /api/storefront', () => {
  it('composes products, cart and recommendations from the categories of recent orders', async () => {
    const catalog = await startCatalogStub(cleanups);
    const rpc = await startShopRpcStub(cleanups);
    // Products 2 and 5 are books (see startCatalogStub): recommend other books.
    rpc.orders.set('o1', stubOrder('o1', 'alice', [2, 5]));
    const users = await startUpstream(cleanups, 'users', issuer);
    const gateway = await startGateway(cleanups, {
      catalog: [catalog.endpoint],
      users: [users.endpoint],
      orders: [rpc.endpoint],
      cart: [rpc.endpoint],
    });
    const res = await gateway.app.inject({ url: '/api/storefront', headers: await signedIn() });
    expect(res.statusCode).toBe(200);
    const page = storefrontSchema.parse(res.json());
    expect(page.degraded).toEqual([]);
    expect(page.products).toHaveLength(20);
    expect(page.cart).toMatchObject({ total: { amountMinor: 0, currency: 'EUR' } });
    expect(page.recommendations.map((p) => p.sku)).toEqual([
      'SKU-8',
      'SKU-11',
      'SKU-14',
      'SKU-17',
      'SKU-20',
      'SKU-23',
      'SKU-26',
      'SKU-29',
    ]);
    expect(rpc.calls.map((c) => c.method).sort()).toEqual(['GetCart', 'ListOrders']);

    const anonymous = storefrontSchema.parse((await gateway.app.inject({ url: '/api/storefront' })).json());
    expect(anonymous.cart).toBeNull();
    expect(anonymous.recommendations.map((p) => p.sku)).toEqual([
      'SKU-1',
      'SKU-2',
      'SKU-3',
      'SKU-4',
      'SKU-5',
      'SKU-6',
      'SKU-7',
      'SKU-8',
    ]);
    expect(anonymous.degraded).toEqual([]);
  });

  it('answers 200 with what it has when cart and orders are down', async () => {
    const catalog = await startCatalogStub(cleanups);
    const users = await startUpstream(cleanups, 'users', issuer);
    const dead = await deadEndpoint(cleanups, 'shop-rpc');
    const gateway = await startGateway(
      cleanups,
      { catalog: [catalog.endpoint], users: [users.endpoint], orders: [dead], cart: [dead] },
      { env: { STOREFRONT_PART_TIMEOUT_MS: '300' } },
    );
    const res = await gateway.app.inject({ url: '/api/storefront', headers: await signedIn() });
    expect(res.statusCode).toBe(200);
    const page = storefrontSchema.parse(res.json());
    expect(page.degraded).toEqual(['cart', 'recommendations']);
    expect(page.cart).toBeNull();
    expect(page.products).toHaveLength(20);
    expect(page.recommendations).toHaveLength(8);
  });

  it('answers 200 with everything degraded when every backend is down or hangs, within the part deadline', async () => {
    const users = await startUpstream(cleanups, 'users', issuer);
    const rpc = await startShopRpcStub(cleanups);
    rpc.delayMs = 10_000;
    const gateway = await startGateway(
      cleanups,
      {
        catalog: [await deadEndpoint(cleanups, 'catalog')],
        users: [users.endpoint],
        orders: [rpc.endpoint],
        cart: [rpc.endpoint],
      },
      { env: { STOREFRONT_PART_TIMEOUT_MS: '200' } },
    );
    const res = await gateway.app.inject({ url: '/api/storefront', headers: await signedIn() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      products: [],
      cart: null,
      recommendations: [],
      degraded: ['products', 'cart', 'recommendations'],
    });
  });

  it('serves anonymous callers even with no catalogue replica at all', async () => {
    const gateway = await startGateway(cleanups, {});
    const res = await gateway.app.inject({ url: '/api/storefront' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ products: [], cart: null, recommendations: [], degraded: ['products'] });
  });
});
