import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { productListQuerySchema, type ProductPage } from '@opsloop/contracts';
import { parseInput, ProblemError } from '@opsloop/kit';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ProductRepository } from './product-repository.js';

const productParams = z.object({ id: z.uuid('must be a product id (UUID)') });

/** Registers the catalogue's public API. */
export function registerProductRoutes(app: FastifyInstance, products: ProductRepository): void {
  app.get('/api/products', async (request): Promise<ProductPage> => {
    const query = parseInput(productListQuerySchema, request.query, 'query');
    const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await products.list({ text: query.q, limit: query.limit, afterId });
    const last = page.items.at(-1);
    return { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last.id) : null };
  });

  app.get('/api/products/:id', async (request) => {
    const { id } = parseInput(productParams, request.params, 'path');
    const product = await products.get(id);
    if (product === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no product with id ${id}` });
    return product;
  });
}
