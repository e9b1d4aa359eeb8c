import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { productSchema, type Product } from '@opsloop/contracts';

/** Loads and validates the seed catalogue (a JSON array of products). */
export async function loadSeedProducts(path: URL | string): Promise<Product[]> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  return z.array(productSchema).parse(raw);
}

/** Location of the catalogue shipped with the service. */
export const DEFAULT_SEED = new URL('../src/seed/products.json', import.meta.url);
