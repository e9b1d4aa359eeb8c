import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { createCachedProductLookup, type ProductInfo, type ProductLookup } from './product-lookup.js';

const product = (productId: string, amountMinor = 100): ProductInfo => ({
  productId,
  name: `Product ${productId}`,
  price: { amountMinor, currency: 'EUR' },
});

/** A lookup that counts its calls and answers from a mutable map. */
function counting(products: Map<string, ProductInfo>) {
  const calls: string[] = [];
  const lookup: ProductLookup = {
    get(productId) {
      calls.push(productId);
      return Promise.resolve(products.get(productId));
    },
  };
  return { lookup, calls };
}

describe('cached product lookup', () => {
  it('reuses a found product for the TTL, then asks again', async () => {
    const clock = createManualClock(0);
    const products = new Map([['a', product('a', 100)]]);
    const { lookup, calls } = counting(products);
    const cached = createCachedProductLookup(lookup, { ttlMs: 1000, clock });
    expect(await cached.get('a')).toEqual(product('a', 100));
    products.set('a', product('a', 200));
    clock.advance(999);
    expect((await cached.get('a'))?.price.amountMinor).toBe(100);
    clock.advance(1);
    expect((await cached.get('a'))?.price.amountMinor).toBe(200);
    expect(calls).toEqual(['a', 'a']);
  });

  it('never caches an unknown product', async () => {
    const clock = createManualClock(0);
    const products = new Map<string, ProductInfo>();
    const { lookup, calls } = counting(products);
    const cached = createCachedProductLookup(lookup, { ttlMs: 1000, clock });
    expect(await cached.get('b')).toBeUndefined();
    products.set('b', product('b'));
    expect(await cached.get('b')).toEqual(product('b'));
    expect(calls).toEqual(['b', 'b']);
  });

  it('shares one request among concurrent lookups of a product', async () => {
    const clock = createManualClock(0);
    const { lookup, calls } = counting(new Map([['c', product('c')]]));
    const cached = createCachedProductLookup(lookup, { ttlMs: 1000, clock });
    const answers = await Promise.all([cached.get('c'), cached.get('c'), cached.get('c')]);
    expect(answers).toEqual([product('c'), product('c'), product('c')]);
    expect(calls).toEqual(['c']);
  });

  it('evicts the oldest entry beyond maxEntries, and a TTL of 0 disables it', async () => {
    const clock = createManualClock(0);
    const products = new Map(['x', 'y', 'z'].map((id) => [id, product(id)]));
    const { lookup, calls } = counting(products);
    const cached = createCachedProductLookup(lookup, { ttlMs: 1000, clock, maxEntries: 2 });
    for (const id of ['x', 'y', 'z', 'y', 'x']) await cached.get(id);
    expect(calls).toEqual(['x', 'y', 'z', 'x']);
    expect(createCachedProductLookup(lookup, { ttlMs: 0, clock })).toBe(lookup);
  });

  it('passes errors through and caches nothing for them', async () => {
    const clock = createManualClock(0);
    let fail = true;
    const lookup: ProductLookup = {
      get: (id) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(product(id))),
    };
    const cached = createCachedProductLookup(lookup, { ttlMs: 1000, clock });
    await expect(cached.get('d')).rejects.toThrow('down');
    fail = false;
    expect(await cached.get('d')).toEqual(product('d'));
  });
});
