import { productSchema } from '@opsloop/contracts';
import { createRoundRobin, type Logger, type Resolver } from '@opsloop/kit';
import { CatalogUnavailableError, type ProductLookup } from '../product-lookup.js';

/** Options of {@link createCatalogProductLookup}. */
export interface CatalogProductLookupOptions {
  /** Discovery; `catalog` is watched. */
  resolver: Resolver;
  /** The catalogue's service name in discovery (default `catalog`). */
  service?: string;
  /** Deadline of one request in ms (default 2000). */
  timeoutMs?: number;
  /** Replicas tried for one lookup when one fails (default 2). */
  attempts?: number;
  log?: Logger;
  /** The fetch to use (tests). */
  fetch?: typeof globalThis.fetch;
}

/**
 * The catalogue over HTTP: `GET /api/products/{id}` on a ready replica found through discovery, round-robin.
 * A 404 is "no such product"; a refused connection, a timeout or a 5xx tries the next replica, then throws
 * {@link CatalogUnavailableError}; an answer that does not match the product contract throws it at once.
 */
export function createCatalogProductLookup(options: CatalogProductLookupOptions): ProductLookup {
  const { resolver, log } = options;
  const service = options.service ?? 'catalog';
  const timeoutMs = options.timeoutMs ?? 2000;
  const attempts = options.attempts ?? 2;
  const doFetch = options.fetch ?? globalThis.fetch;
  const balancer = createRoundRobin();
  resolver.watch(service);

  return {
    async get(productIdInput) {
      // The catalogue's ids are lower-case UUIDs.
      const productId = productIdInput.toLowerCase();
      const tried = new Set<string>();
      let lastError = 'no ready replica';
      for (let attempt = 0; attempt < attempts; attempt++) {
        const endpoint = balancer.pick(resolver.endpoints(service), tried);
        if (endpoint === undefined) break;
        tried.add(endpoint.instance);
        let response: Response;
        try {
          response = await doFetch(`${endpoint.url}/api/products/${encodeURIComponent(productId)}`, {
            headers: { accept: 'application/json' },
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          log?.warn({ instance: endpoint.instance, err: error }, 'catalog request failed');
          continue;
        }
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        if (response.status >= 500) {
          await response.body?.cancel();
          lastError = `HTTP ${response.status}`;
          log?.warn({ instance: endpoint.instance, status: response.status }, 'catalog answered an error');
          continue;
        }
        if (response.status !== 200) {
          // A 400 for an id the cart validated: the two disagree on the contract; never retry that.
          await response.body?.cancel();
          throw new CatalogUnavailableError(
            `catalog answered HTTP ${response.status} for product ${productId}`,
          );
        }
        const parsed = productSchema.safeParse(await response.json().catch(() => undefined));
        if (!parsed.success || parsed.data.id.toLowerCase() !== productId)
          throw new CatalogUnavailableError(
            `catalog answered a product that breaks the contract for ${productId}`,
          );
        return { productId: parsed.data.id.toLowerCase(), name: parsed.data.name, price: parsed.data.price };
      }
      throw new CatalogUnavailableError(`catalog unavailable: ${lastError}`);
    },
  };
}
