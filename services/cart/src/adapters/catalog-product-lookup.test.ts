import { randomUUID } from 'node:crypto';
import { fastify, type FastifyInstance } from 'fastify';
import { createStaticResolver } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogUnavailableError } from '../product-lookup.js';
import { createCatalogProductLookup } from './catalog-product-lookup.js';

const id = randomUUID();
const product = {
  id,
  sku: 'SKU-1',
  name: 'Teapot',
  description: 'A teapot.',
  category: 'home',
  price: { amountMinor: 2500, currency: 'EUR' },
};

type Mode = 'ok' | 'error' | 'garbage' | 'bad-request';
const servers: { app: FastifyInstance; url: string; hits: number; mode: Mode }[] = [];

async function stand(mode: Mode) {
  const app = fastify();
  const entry = { app, url: '', hits: 0, mode };
  app.get<{ Params: { id: string } }>('/api/products/:id', async (request, reply) => {
    entry.hits++;
    if (entry.mode === 'error') return reply.code(503).send({ status: 503 });
    if (entry.mode === 'bad-request') return reply.code(400).send({ status: 400 });
    if (entry.mode === 'garbage') return { id: request.params.id, price: 'cheap' };
    if (request.params.id !== id) return reply.code(404).send({ status: 404 });
    return product;
  });
  entry.url = await app.listen({ host: '127.0.0.1', port: 0 });
  servers.push(entry);
  return entry;
}

/** A port nothing listens on (a replica that died). */
async function deadUrl(): Promise<string> {
  const app = fastify();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  await app.close();
  return url;
}

const resolverOf = (...urls: string[]) =>
  createStaticResolver(
    new Map([['catalog', urls.map((url, i) => ({ instance: `catalog-${i}`, url, version: 'test' }))]]),
  );

beforeAll(async () => {
  await stand('ok');
  await stand('error');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.app.close()));
});

describe('catalog product lookup over HTTP', () => {
  it('finds a product and answers undefined for an unknown one', async () => {
    const lookup = createCatalogProductLookup({ resolver: resolverOf(servers[0]!.url) });
    expect(await lookup.get(id)).toEqual({ productId: id, name: 'Teapot', price: product.price });
    expect(await lookup.get(id.toUpperCase())).toEqual({
      productId: id,
      name: 'Teapot',
      price: product.price,
    });
    expect(await lookup.get(randomUUID())).toBeUndefined();
  });

  it('fails over from a dead replica or a 5xx to the next one', async () => {
    const dead = await deadUrl();
    const lookup = createCatalogProductLookup({
      resolver: resolverOf(dead, servers[1]!.url, servers[0]!.url),
      attempts: 3,
    });
    for (let i = 0; i < 3; i++) expect((await lookup.get(id))?.name).toBe('Teapot');
  });

  it('is unavailable with no replica, only failing replicas, a contract break or a 400', async () => {
    await expect(createCatalogProductLookup({ resolver: resolverOf() }).get(id)).rejects.toThrow(
      CatalogUnavailableError,
    );
    const failing = createCatalogProductLookup({ resolver: resolverOf(servers[1]!.url, await deadUrl()) });
    await expect(failing.get(id)).rejects.toThrow(CatalogUnavailableError);
    const garbage = await stand('garbage');
    await expect(createCatalogProductLookup({ resolver: resolverOf(garbage.url) }).get(id)).rejects.toThrow(
      CatalogUnavailableError,
    );
    const refusing = await stand('bad-request');
    const lookup = createCatalogProductLookup({ resolver: resolverOf(refusing.url, servers[0]!.url) });
    await expect(lookup.get(id)).rejects.toThrow(CatalogUnavailableError);
    expect(refusing.hits).toBe(1);
  });
});
