import type { Product } from '@opsloop/contracts';
import { Code, ConnectError } from '@opsloop/rpc';
import { describe, expect, it } from 'vitest';
import { stubCart, stubOrder, stubOrderPage } from '../../test/support.js';
import type { CartReader, OrdersReader } from '../orders/rpc-ports.js';
import { createStorefront, storefrontSchema, type CatalogReader } from './storefront.js';

const product = (n: number, category: string): Product => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  sku: `SKU-${n}`,
  name: `Product ${n}`,
  description: '',
  category,
  price: { amountMinor: 100 * n, currency: 'EUR' },
});

const CATALOG = Array.from({ length: 30 }, (_, i) => product(i + 1, ['audio', 'books', 'garden'][i % 3]!));

type Behaviour = 'ok' | 'fail' | 'hang';

function fakes(
  options: { catalog?: Behaviour; cart?: Behaviour; orders?: Behaviour; bought?: number[] } = {},
) {
  const act = async <T>(
    behaviour: Behaviour | undefined,
    signal: AbortSignal | undefined,
    value: () => T,
  ) => {
    if (behaviour === 'fail') throw new ConnectError('down', Code.Unavailable);
    if (behaviour === 'hang') {
      await new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    return value();
  };
  const catalog: CatalogReader = {
    listProducts: (limit, signal) => act(options.catalog, signal, () => CATALOG.slice(0, limit)),
    getProduct: (id, signal) => act(options.catalog, signal, () => CATALOG.find((p) => p.id === id)),
  };
  const cart: CartReader = {
    getCart: (request, call) => act(options.cart, call?.signal, () => stubCart(request.userId)),
  };
  const orders: OrdersReader = {
    listOrders: (request, call) =>
      act(options.orders, call?.signal, () =>
        stubOrderPage((options.bought ?? []).map((n, i) => stubOrder(`order-${i}`, request.userId, [n]))),
      ),
    getOrder: () => Promise.reject(new Error('not used')),
  };
  return { catalog, cart, orders };
}

const build = (userId: string | undefined, options: Parameters<typeof fakes>[0] = {}) =>
  createStorefront({ ...fakes(options), partTimeoutMs: 50, recommendationsLimit: 4 }).build(userId, {});

describe('storefront', () => {
  it('anonymous: the first products, no cart, the first products as recommendations', async () => {
    const page = await build(undefined);
    expect(storefrontSchema.parse(page)).toEqual(page);
    expect(page.products).toHaveLength(20);
    expect(page.cart).toBeNull();
    expect(page.recommendations.map((p) => p.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
    expect(page.degraded).toEqual([]);
  });

  it("signed in: the cart, and products of the categories of the user's orders not already bought", async () => {
    // Products 1 and 4 are audio (index 0 and 3), already bought.
    const page = await build('user-1', { bought: [1, 4] });
    expect(page.cart).toMatchObject({
      total: { amountMinor: 180, currency: 'EUR' },
      discountPercent: 10,
      loyaltyPoints: 7,
      lines: [{ quantity: 2, lineTotal: { amountMinor: 200, currency: 'EUR' } }],
    });
    expect(page.recommendations.map((p) => p.sku)).toEqual(['SKU-7', 'SKU-10', 'SKU-13', 'SKU-16']);
    expect(page.recommendations.every((p) => p.category === 'audio')).toBe(true);
    expect(page.degraded).toEqual([]);
  });

  it('with personalised recommendations flagged off, never asks orders (a kill switch), per user', async () => {
    const seen: string[] = [];
    const parts = fakes({ orders: 'fail', bought: [1, 4] });
    const storefront = createStorefront({
      ...parts,
      partTimeoutMs: 50,
      recommendationsLimit: 4,
      personalised: (userId) => {
        seen.push(userId);
        return Promise.resolve(userId !== 'user-off');
      },
    });
    const off = await storefront.build('user-off', {});
    // Orders fail here: the flagged-off page is not degraded because orders were never on its path.
    expect(off.degraded).toEqual([]);
    expect(off.recommendations.map((p) => p.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
    const on = await storefront.build('user-on', {});
    expect(on.degraded).toEqual(['recommendations']);
    expect(seen).toEqual(['user-off', 'user-on']);
  });

  it('signed in without orders: the first products', async () => {
    const page = await build('user-1', { bought: [] });
    expect(page.recommendations.map((p) => p.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
  });

  it('still answers when the cart fails, naming it', async () => {
    const page = await build('user-1', { cart: 'fail', bought: [2] });
    expect(page.cart).toBeNull();
    expect(page.degraded).toEqual(['cart']);
    expect(page.recommendations.every((p) => p.category === 'books')).toBe(true);
  });

  it('falls back to the first products when orders are down, naming recommendations', async () => {
    const page = await build('user-1', { orders: 'hang' });
    expect(page.degraded).toEqual(['recommendations']);
    expect(page.recommendations.map((p) => p.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4']);
    expect(page.products).toHaveLength(20);
  });

  it('answers with nothing from the catalogue when it hangs, within the part deadline', async () => {
    const page = await build('user-1', { catalog: 'hang', bought: [1] });
    expect(page).toMatchObject({ products: [], recommendations: [] });
    expect(page.degraded).toEqual(['products', 'recommendations']);
    expect(page.cart).not.toBeNull();
  });

  it('answers with everything degraded when every backend is down', async () => {
    const page = await build('user-1', { catalog: 'fail', cart: 'fail', orders: 'fail' });
    expect(page).toEqual({
      products: [],
      cart: null,
      recommendations: [],
      degraded: ['products', 'cart', 'recommendations'],
    });
  });
});
