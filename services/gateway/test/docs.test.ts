import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@opsloop/kit';
import { createCleanups, startGateway } from './support.js';

const cleanups = createCleanups();
let gateway: Service;
beforeAll(async () => {
  gateway = await startGateway(
    cleanups,
    {},
    {
      env: { ROUTES: '/api/products=catalog;/api/users=users;/api/cart=cart;/api/checkout=checkout' },
    },
  );
});
afterAll(() => cleanups.run());

describe('gateway: API docs', () => {
  it('serves the OpenAPI document at /api/docs/openapi.json, without a token', async () => {
    const res = await gateway.app.inject({ url: '/api/docs/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const document = res.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/products',
        '/api/users/login',
        '/api/orders',
        '/api/storefront',
        '/api/checkout',
      ]),
    );
  });

  it('serves Swagger UI at /api/docs with every asset from the gateway itself', async () => {
    const page = await gateway.app.inject({ url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) expect(source, source).not.toMatch(/^(https?:)?\/\//);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-initializer.js']) {
      const res = await gateway.app.inject({ url: `/api/docs/static/${asset}` });
      expect(res.statusCode, asset).toBe(200);
    }
    const initializer = await gateway.app.inject({ url: '/api/docs/static/swagger-initializer.js' });
    expect(initializer.body).not.toContain('validator.swagger.io');
    expect((await gateway.app.inject({ url: '/api/docs/json' })).json().openapi).toBe('3.1.0');
  });
});
