import { productPageSchema, productSchema, type Product } from '@opsloop/contracts';
import { createService, type Service } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryProductRepository } from './adapters/in-memory-product-repository.js';
import { catalogService } from './app.js';
import { DEFAULT_SEED, loadSeedProducts } from './seed.js';

const PROBLEMS = 'https://opsloop.dev/problems/';

let service: Service;
let seed: Product[];

beforeAll(async () => {
  seed = await loadSeedProducts(DEFAULT_SEED);
  service = await createService(
    catalogService({
      createRepository: async () => createInMemoryProductRepository(await loadSeedProducts(DEFAULT_SEED)),
      env: { LOG_LEVEL: 'silent' },
    }),
  );
});

afterAll(async () => {
  await service?.shutdown('test');
});

async function get(url: string) {
  const res = await service.app.inject({ method: 'GET', url });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

async function getPage(url: string) {
  const res = await get(url);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return productPageSchema.parse(res.body);
}

const searchable = (p: Product) => `${p.name} ${p.description} ${p.category} ${p.sku}`.toLowerCase();
const byId = (a: Product, b: Product) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('seed', () => {
  it('has at least 50 valid products with unique ids and SKUs and integer prices', () => {
    expect(seed.length).toBeGreaterThanOrEqual(50);
    for (const product of seed) {
      expect(() => productSchema.parse(product)).not.toThrow();
      expect(Number.isInteger(product.price.amountMinor), product.sku).toBe(true);
      expect(product.price.amountMinor, product.sku).toBeGreaterThan(0);
    }
    expect(new Set(seed.map((p) => p.id)).size).toBe(seed.length);
    expect(new Set(seed.map((p) => p.sku)).size).toBe(seed.length);
  });
});

describe('GET /api/products', () => {
  it('returns 20 products by default, in id order, with a next cursor', async () => {
    const page = await getPage('/api/products');
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect(page.items).toEqual([...seed].sort(byId).slice(0, 20));
  });

  it('pages through every product exactly once, in id order', async () => {
    const seen: Product[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await getPage(
        `/api/products?limit=7${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
      expect(pages).toBeLessThanOrEqual(seed.length);
    } while (cursor !== null);
    expect(seen.map((p) => p.id)).toEqual([...seed].sort(byId).map((p) => p.id));
    expect(pages).toBe(Math.ceil(seed.length / 7));
  });

  it('returns no next cursor when the last page is exactly full', async () => {
    const all = await getPage(`/api/products?limit=${seed.length}`);
    expect(all.items).toHaveLength(seed.length);
    expect(all.nextCursor).toBeNull();
  });

  it('accepts the largest page size', async () => {
    const page = await getPage('/api/products?limit=100');
    expect(page.items).toHaveLength(Math.min(100, seed.length));
  });

  it('finds products matching a term in any field, case-insensitively', async () => {
    const page = await getPage('/api/products?q=WireLess&limit=100');
    expect(page.items.length).toBeGreaterThan(1);
    for (const item of page.items) expect(searchable(item), item.name).toContain('wireless');
    const expected = seed.filter((p) => searchable(p).includes('wireless')).sort(byId);
    expect(page.items.map((p) => p.id)).toEqual(expected.map((p) => p.id));
  });

  it('finds the one espresso product', async () => {
    const page = await getPage('/api/products?q=espresso');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.name.toLowerCase()).toContain('espresso');
    expect(page.nextCursor).toBeNull();
  });

  it('requires every term to match', async () => {
    const one = await getPage('/api/products?q=wireless&limit=100');
    const both = await getPage(`/api/products?q=${encodeURIComponent('  wireless   headphones ')}&limit=100`);
    expect(both.items.length).toBeGreaterThan(0);
    expect(both.items.length).toBeLessThan(one.items.length);
    for (const item of both.items) {
      expect(searchable(item)).toContain('wireless');
      expect(searchable(item)).toContain('headphones');
    }
    const none = await getPage(`/api/products?q=${encodeURIComponent('espresso headphones')}`);
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it('searches SKUs and categories', async () => {
    const sku = seed[0]!.sku;
    const bySku = await getPage(`/api/products?q=${encodeURIComponent(sku.toLowerCase())}`);
    expect(bySku.items.map((p) => p.sku)).toContain(sku);
    const category = seed[0]!.category;
    const byCategory = await getPage(`/api/products?q=${encodeURIComponent(category)}&limit=100`);
    expect(byCategory.items.length).toBeGreaterThanOrEqual(
      seed.filter((p) => p.category === category).length,
    );
  });

  it('pages through search results with the cursor', async () => {
    const expected = seed.filter((p) => searchable(p).includes('wireless')).sort(byId);
    const first = await getPage('/api/products?q=wireless&limit=2');
    expect(first.items.map((p) => p.id)).toEqual(expected.slice(0, 2).map((p) => p.id));
    const second = await getPage(`/api/products?q=wireless&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((p) => p.id)).toEqual(expected.slice(2, 4).map((p) => p.id));
  });

  it('returns an empty page for a term nothing matches', async () => {
    expect(await getPage('/api/products?q=zzzz-no-such-thing')).toEqual({ items: [], nextCursor: null });
  });

  it.each(['-5', '0', '101', 'abc', '2.5', ''])(
    'rejects limit=%j with 400 validation-failed',
    async (limit) => {
      const res = await get(`/api/products?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe(`${PROBLEMS}validation-failed`);
      expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'limit' });
      expect(res.body.instance).toBe('/api/products');
    },
  );

  it('rejects a query longer than 200 characters', async () => {
    const res = await get(`/api/products?q=${'a'.repeat(201)}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'q' });
  });

  it.each([
    ['garbage', 'garbage!!'],
    ['base64 of a non-JSON value', Buffer.from('hello').toString('base64url')],
    ['base64 of JSON without a UUID', Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url')],
    ['a raw UUID', '019b76da-a800-7439-b1ca-5b9412bcf12d'],
  ])('rejects a cursor that is %s with 400 validation-failed', async (_what, cursor) => {
    const res = await get(`/api/products?cursor=${encodeURIComponent(cursor)}`);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe(`${PROBLEMS}validation-failed`);
    expect(res.body.errors).toEqual([{ in: 'query', path: 'cursor', message: expect.any(String) }]);
  });
});

describe('GET /api/products/:id', () => {
  it('returns a product that matches the product schema', async () => {
    const wanted = seed[5]!;
    const res = await get(`/api/products/${wanted.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(productSchema.parse(res.body)).toEqual(wanted);
  });

  it('answers an unknown UUID with 404 resource-not-found', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(seed.some((p) => p.id === id)).toBe(false);
    const res = await get(`/api/products/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: `${PROBLEMS}resource-not-found`,
      status: 404,
      instance: `/api/products/${id}`,
    });
  });

  it('answers a non-UUID id with 400 validation-failed in the path', async () => {
    const res = await get('/api/products/not-a-uuid');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe(`${PROBLEMS}validation-failed`);
    expect(res.body.errors).toEqual([{ in: 'path', path: 'id', message: 'must be a product id (UUID)' }]);
  });
});

describe('catalog service', () => {
  it('is ready once products are loaded', async () => {
    const res = await get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual([{ name: 'products', ok: true }]);
  });

  it('is not ready with an empty catalogue', async () => {
    const empty = await createService(
      catalogService({
        createRepository: () => Promise.resolve(createInMemoryProductRepository([])),
        env: { LOG_LEVEL: 'silent' },
      }),
    );
    try {
      const res = await empty.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks).toEqual([{ name: 'products', ok: false, error: 'not ready' }]);
      expect((await empty.app.inject({ method: 'GET', url: '/api/products' })).json()).toEqual({
        items: [],
        nextCursor: null,
      });
    } finally {
      await empty.shutdown('test');
    }
  });

  it('passes its config to the repository factory', async () => {
    let seenSeedFile: string | undefined;
    const other = await createService(
      catalogService({
        createRepository: (config) => {
          seenSeedFile = config.CATALOG_SEED_FILE;
          return Promise.resolve(createInMemoryProductRepository(seed));
        },
        env: { LOG_LEVEL: 'silent', CATALOG_SEED_FILE: '/tmp/products.json' },
      }),
    );
    await other.shutdown('test');
    expect(seenSeedFile).toBe('/tmp/products.json');
  });
});
