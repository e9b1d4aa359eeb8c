import { productPageSchema, productSchema, type Product } from '@opsloop/contracts';
import type { CachedFetch, CachedProxy } from '../cache/cached-proxy.js';

/** The upstream answer's JSON body with its status, whether it came from the cache or the catalogue. */
async function readJson(result: CachedFetch): Promise<{ status: number; json: unknown }> {
  if (result.kind === 'stored') {
    return { status: 200, json: JSON.parse(result.entry.body.toString('utf8')) };
  }
  const { upstream } = result;
  if (upstream.statusCode !== 200) {
    await upstream.body.dump();
    return { status: upstream.statusCode, json: undefined };
  }
  return { status: 200, json: await upstream.body.json() };
}

/**
 * The storefront's catalogue reads, over HTTP through the gateway's own response cache (the same anonymous
 * GETs a browser makes, so they share entries with `GET /api/products`). Answers are validated with the
 * contract's schemas: a catalogue that answers nonsense fails the part, not the page.
 */
export function createCatalogReader(cached: CachedProxy, service: string) {
  const get = (url: string, signal: AbortSignal, headers: Record<string, string>) =>
    cached.fetch(service, { method: 'GET', url, headers, signal }, undefined).then(readJson);
  return {
    async listProducts(
      limit: number,
      signal: AbortSignal,
      headers: Record<string, string>,
    ): Promise<Product[]> {
      const { status, json } = await get(`/api/products?limit=${limit}`, signal, headers);
      if (status !== 200) throw new Error(`catalog answered ${status}`);
      return productPageSchema.parse(json).items;
    },
    async getProduct(
      id: string,
      signal: AbortSignal,
      headers: Record<string, string>,
    ): Promise<Product | undefined> {
      const { status, json } = await get(`/api/products/${encodeURIComponent(id)}`, signal, headers);
      if (status === 404 || status === 400) return undefined;
      if (status !== 200) throw new Error(`catalog answered ${status}`);
      return productSchema.parse(json);
    },
  };
}
