import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MAX_ON_HAND } from './inventory.js';

/** One entry of a stock seed file. */
export const stockSeedEntrySchema = z.object({
  productId: z.uuid(),
  onHand: z.number().int().min(0).max(MAX_ON_HAND),
});

/** One entry of a stock seed file. */
export type StockSeedEntry = z.infer<typeof stockSeedEntrySchema>;

/** Loads and validates a stock seed (a JSON array of `{ productId, onHand }`). */
export async function loadStockSeed(path: URL | string): Promise<StockSeedEntry[]> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  return z.array(stockSeedEntrySchema).parse(raw);
}

/**
 * The stock shipped with the service: 100 of every product of the catalogue's seed. A copy of the
 * catalogue's product ids (services never import each other), made once from
 * services/catalog/src/seed/products.json.
 */
export const DEFAULT_STOCK_SEED = new URL('../src/seed/stock.json', import.meta.url);
