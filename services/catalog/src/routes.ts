import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { productListQuerySchema, type ProductPage } from '@opsloop/contracts';
import { parseInput, ProblemError } from '@opsloop/kit';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ProductRepository } from './product-repository.js';

const productParams = z.object({ id: z.uuid('must be a product id (UUID)') });

/** How long clients and the gateway may reuse a catalogue answer without asking again. */
export const CATALOG_MAX_AGE_SECONDS = 10;

/** True when an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === opaque;
  });
}

/**
 * Sends `value` as JSON that caches may keep for {@link CATALOG_MAX_AGE_SECONDS}, with a strong ETag (a
 * hash of the exact bytes), or 304 when the client already holds those bytes.
 */
function sendCacheable(request: FastifyRequest, reply: FastifyReply, value: unknown): FastifyReply {
  const body = JSON.stringify(value);
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  void reply.header('cache-control', `public, max-age=${CATALOG_MAX_AGE_SECONDS}`).header('etag', etag);
  if (noneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
}

/** Registers the catalogue's public API. */
export function registerProductRoutes(app: FastifyInstance, products: ProductRepository): void {
  app.get('/api/products', async (request, reply) => {
    const query = parseInput(productListQuerySchema, request.query, 'query');
    const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await products.list({ text: query.q, limit: query.limit, afterId });
    const last = page.items.at(-1);
    const answer: ProductPage = {
      items: page.items,
      nextCursor: page.hasMore && last ? encodeCursor(last.id) : null,
    };
    return sendCacheable(request, reply, answer);
  });

  app.get('/api/products/:id', async (request, reply) => {
    const { id } = parseInput(productParams, request.params, 'path');
    const product = await products.get(id);
    if (product === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no product with id ${id}` });
    return sendCacheable(request, reply, product);
  });
}
