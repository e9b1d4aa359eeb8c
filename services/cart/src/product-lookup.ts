import type { Clock } from '@opsloop/kit';
import type { Money } from '@opsloop/contracts';

/** What the cart needs of a catalogue product. */
export interface ProductInfo {
  productId: string;
  name: string;
  price: Money;
}

/** The catalogue port: a product by id. */
export interface ProductLookup {
  /** The product, or undefined when the catalogue has no such product. Throws {@link CatalogUnavailableError}. */
  get(productId: string): Promise<ProductInfo | undefined>;
}

/** The catalogue could not be asked (no replica, timeout, a 5xx, an answer that breaks the contract). */
export class CatalogUnavailableError extends Error {
  override readonly name = 'CatalogUnavailableError';
}

/** Options of {@link createCachedProductLookup}. */
export interface CachedProductLookupOptions {
  /** How long a product's name and price are reused (0 disables the cache). */
  ttlMs: number;
  clock: Pick<Clock, 'now'>;
  /** Most products kept (the oldest entry is evicted first); default 10 000. */
  maxEntries?: number;
}

/**
 * Caches found products briefly, so that pricing a 50-line cart does not ask the catalogue 50 times per view.
 * Unknown products are not cached (a product just added to the catalogue is found at once), and concurrent
 * lookups of one product share one request.
 */
export function createCachedProductLookup(
  inner: ProductLookup,
  options: CachedProductLookupOptions,
): ProductLookup {
  const { ttlMs, clock } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { product: ProductInfo; until: number }>();
  const inFlight = new Map<string, Promise<ProductInfo | undefined>>();
  if (ttlMs <= 0) return inner;
  return {
    async get(productId) {
      const now = clock.now();
      const hit = cache.get(productId);
      if (hit !== undefined && hit.until > now) return hit.product;
      cache.delete(productId);
      let pending = inFlight.get(productId);
      if (pending === undefined) {
        pending = inner.get(productId).finally(() => inFlight.delete(productId));
        inFlight.set(productId, pending);
      }
      const product = await pending;
      if (product !== undefined) {
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
        cache.set(productId, { product, until: clock.now() + ttlMs });
      }
      return product;
    },
  };
}
