import { runService } from '@opsloop/kit';
import { createInMemoryProductRepository } from './adapters/in-memory-product-repository.js';
import { catalogService } from './app.js';
import { DEFAULT_SEED, loadSeedProducts } from './seed.js';

await runService(
  catalogService({
    createRepository: async (config) =>
      createInMemoryProductRepository(await loadSeedProducts(config.CATALOG_SEED_FILE ?? DEFAULT_SEED)),
  }),
);
