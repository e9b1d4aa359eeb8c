export { catalogService, catalogConfigSchema, type CatalogServiceOptions } from './app.js';
export type { ProductRepository, ProductQuery } from './product-repository.js';
export { createInMemoryProductRepository } from './adapters/in-memory-product-repository.js';
export { loadSeedProducts, DEFAULT_SEED } from './seed.js';
