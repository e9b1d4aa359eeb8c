import type { Product } from '@opsloop/contracts';
import type { ProductQuery, ProductRepository } from '../product-repository.js';

function searchableText(product: Product): string {
  return `${product.name} ${product.description} ${product.category} ${product.sku}`.toLowerCase();
}

/**
 * The catalogue in memory, for the embedded default until the SQL store arrives. Lookups by id are O(1);
 * search scans a pre-lowered text per product, which is fast for catalogues of thousands.
 */
export function createInMemoryProductRepository(products: readonly Product[]): ProductRepository {
  const sorted = [...products].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byId = new Map(sorted.map((p) => [p.id, p]));
  const text = new Map(sorted.map((p) => [p.id, searchableText(p)]));
  return {
    list(query: ProductQuery) {
      const terms = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const items: Product[] = [];
      let hasMore = false;
      for (const product of sorted) {
        if (query.afterId !== undefined && product.id <= query.afterId) continue;
        const haystack = text.get(product.id) ?? '';
        if (!terms.every((term) => haystack.includes(term))) continue;
        if (items.length === query.limit) {
          hasMore = true;
          break;
        }
        items.push(product);
      }
      return Promise.resolve({ items, hasMore });
    },
    get: (id) => Promise.resolve(byId.get(id)),
    count: () => Promise.resolve(sorted.length),
  };
}
