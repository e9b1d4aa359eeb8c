import type { Product } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import type { ProductQuery } from '../product-repository.js';
import { createInMemoryProductRepository } from './in-memory-product-repository.js';

const product = (n: number, fields: Partial<Product> = {}): Product => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  sku: `SKU-${n}`,
  name: `Product ${n}`,
  description: '',
  category: 'misc',
  price: { amountMinor: 100 * n, currency: 'EUR' },
  ...fields,
});

// Deliberately not in id order.
const products: Product[] = [
  product(3, { name: 'Steel Water Bottle', description: 'Keeps drinks cold.', category: 'outdoor' }),
  product(1, { name: 'Wireless Mouse', description: 'Ergonomic, quiet clicks.', category: 'electronics' }),
  product(5, { name: 'Espresso Cups', description: 'Set of two.', category: 'home-kitchen', sku: 'HOME-42' }),
  product(2, { name: 'Wireless Earbuds', description: 'Noise cancelling.', category: 'electronics' }),
  product(4, { name: 'Desk Lamp', description: 'Warm light, WIRELESS charging base.', category: 'office' }),
  product(6, { name: 'Trail Socks', description: 'Merino wool.', category: 'clothing' }),
];

const id = (n: number) => product(n).id;
const ids = (items: readonly Product[]) => items.map((p) => Number(p.id.slice(-12)));

describe('createInMemoryProductRepository', () => {
  const repository = createInMemoryProductRepository(products);

  it.each<[string, ProductQuery, number[], boolean]>([
    ['first page', { limit: 2 }, [1, 2], true],
    ['everything', { limit: 10 }, [1, 2, 3, 4, 5, 6], false],
    ['a page that exactly fits', { limit: 6 }, [1, 2, 3, 4, 5, 6], false],
    ['one short of all', { limit: 5 }, [1, 2, 3, 4, 5], true],
    ['after an id', { limit: 2, afterId: id(2) }, [3, 4], true],
    ['the last page', { limit: 2, afterId: id(4) }, [5, 6], false],
    ['after the last id', { limit: 2, afterId: id(6) }, [], false],
    [
      'after an id between two products (keyset, not offset)',
      { limit: 10, afterId: `${id(2)}a` },
      [3, 4, 5, 6],
      false,
    ],
    ['a term', { limit: 10, text: 'wireless' }, [1, 2, 4], false],
    ['a term in another case', { limit: 10, text: 'WiReLeSs' }, [1, 2, 4], false],
    ['a term, paged', { limit: 2, text: 'wireless' }, [1, 2], true],
    ['a term after an id', { limit: 2, text: 'wireless', afterId: id(2) }, [4], false],
    ['two terms (AND)', { limit: 10, text: 'wireless earbuds' }, [2], false],
    ['two terms matching different fields', { limit: 10, text: 'electronics quiet' }, [1], false],
    ['terms with extra whitespace', { limit: 10, text: '  wireless \t  mouse ' }, [1], false],
    ['a term nothing matches', { limit: 10, text: 'banana' }, [], false],
    ['terms that never occur together', { limit: 10, text: 'espresso wireless' }, [], false],
    ['a category', { limit: 10, text: 'electronics' }, [1, 2], false],
    ['a sku', { limit: 10, text: 'home-42' }, [5], false],
    ['a description word', { limit: 10, text: 'merino' }, [6], false],
    ['a prefix inside a word', { limit: 10, text: 'bud' }, [2], false],
    ['an empty text', { limit: 3, text: '' }, [1, 2, 3], true],
    ['a whitespace-only text', { limit: 3, text: '   ' }, [1, 2, 3], true],
  ])('lists %s', async (_name, query, expected, hasMore) => {
    const page = await repository.list(query);
    expect(ids(page.items)).toEqual(expected);
    expect(page.hasMore).toBe(hasMore);
  });

  it('never returns more than the limit and pages through everything exactly once', async () => {
    for (const limit of [1, 2, 3, 4, 5, 6, 7]) {
      const seen: number[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await repository.list({ limit, afterId });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page.items));
        if (!page.hasMore) break;
        afterId = page.items.at(-1)?.id;
      }
      expect(seen, `limit ${limit}`).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('gets a product by id', async () => {
    await expect(repository.get(id(5))).resolves.toMatchObject({ name: 'Espresso Cups' });
    await expect(repository.get(id(99))).resolves.toBeUndefined();
  });

  it('counts products', async () => {
    await expect(repository.count()).resolves.toBe(6);
    await expect(createInMemoryProductRepository([]).count()).resolves.toBe(0);
  });

  it('does not change when the input array changes', async () => {
    const input = [product(1), product(2)];
    const repo = createInMemoryProductRepository(input);
    input.push(product(3));
    input.reverse();
    expect(ids((await repo.list({ limit: 10 })).items)).toEqual([1, 2]);
  });

  it('handles an empty catalogue', async () => {
    await expect(createInMemoryProductRepository([]).list({ limit: 5, text: 'x' })).resolves.toEqual({
      items: [],
      hasMore: false,
    });
  });
});
