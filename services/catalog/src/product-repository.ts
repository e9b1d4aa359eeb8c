import type { Product } from '@opsloop/contracts';

/** One page request against the product store. */
export interface ProductQuery {
  /** Free-text search; every whitespace-separated term must match (case-insensitive). */
  text?: string | undefined;
  limit: number;
  /** Return products whose id sorts after this one (keyset paging). */
  afterId?: string | undefined;
}

/** The catalogue's storage port. Products are ordered by id (UUIDv7: creation order). */
export interface ProductRepository {
  list(query: ProductQuery): Promise<{ items: Product[]; hasMore: boolean }>;
  get(id: string): Promise<Product | undefined>;
  count(): Promise<number>;
}
