import { z } from 'zod';
import type { ServiceOptions } from '@opsloop/kit';
import type { ProductRepository } from './product-repository.js';
import { registerProductRoutes } from './routes.js';

/** The catalogue's own configuration. */
export const catalogConfigSchema = z.object({
  /** Path of a JSON product list to serve instead of the shipped catalogue. */
  CATALOG_SEED_FILE: z.string().min(1).optional(),
});

/** Options of {@link catalogService}. */
export interface CatalogServiceOptions {
  /** Creates the product store once config is known. */
  createRepository(config: z.infer<typeof catalogConfigSchema>): Promise<ProductRepository>;
  env?: Record<string, string | undefined>;
}

/** The catalogue service definition, ready for `createService` or `runService`. */
export function catalogService(options: CatalogServiceOptions): ServiceOptions<typeof catalogConfigSchema> {
  return {
    name: 'catalog',
    version: '0.1.0',
    configSchema: catalogConfigSchema,
    ...(options.env ? { env: options.env } : {}),
    async setup({ app, config, readiness }) {
      const products = await options.createRepository(config);
      readiness.register('products', async () => (await products.count()) > 0);
      registerProductRoutes(app, products);
    },
  };
}
