import { describe, expect, it } from 'vitest';
import { matchRoute, parseRoutes } from './route-table.js';

describe('parseRoutes', () => {
  it('parses one route', () => {
    expect(parseRoutes('/api/products=catalog')).toEqual([{ prefix: '/api/products', service: 'catalog' }]);
  });

  it('parses routes separated by ";" or newlines, with whitespace, longest prefix first', () => {
    expect(parseRoutes(' /api=edge ; /api/products = catalog\n/api/cart=cart;;\n')).toEqual([
      { prefix: '/api/products', service: 'catalog' },
      { prefix: '/api/cart', service: 'cart' },
      { prefix: '/api', service: 'edge' },
    ]);
  });

  it('accepts unreserved path characters', () => {
    expect(parseRoutes('/api/v1.2/foo_bar~x=api-v1')).toEqual([
      { prefix: '/api/v1.2/foo_bar~x', service: 'api-v1' },
    ]);
  });

  it.each([
    ['', 'no routes: expected at least one /prefix=service entry'],
    [' ; \n ', 'no routes: expected at least one /prefix=service entry'],
    ['/api/products', 'expected /prefix=service entries separated by ";" (got "/api/products")'],
    [
      '/api/products=catalog=x',
      'expected /prefix=service entries separated by ";" (got "/api/products=catalog=x")',
    ],
    ['api/products=catalog', '"api/products" is not a path prefix like /api/products'],
    ['/api/products/=catalog', '"/api/products/" is not a path prefix like /api/products'],
    ['/=web', '"/" is not a path prefix like /api/products'],
    ['/api//products=catalog', '"/api//products" is not a path prefix like /api/products'],
    ['/api/pro ducts=catalog', '"/api/pro ducts" is not a path prefix like /api/products'],
    ['/api/products?x=catalog', '"/api/products?x" is not a path prefix like /api/products'],
    ['=catalog', '"" is not a path prefix like /api/products'],
    ['/api/products=', '"" is not a service name'],
    ['/api/products=Catalog', '"Catalog" is not a service name'],
    ['/api/products=1catalog', '"1catalog" is not a service name'],
    ['/api/products=cat_alog', '"cat_alog" is not a service name'],
    ['/api/products=catalog;/api/products=other', 'prefix /api/products is routed twice'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseRoutes(spec)).toThrow(message);
  });

  it('throws one-line messages', () => {
    try {
      parseRoutes('/api/products=catalog\n/bad path=x');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('matchRoute', () => {
  const routes = parseRoutes('/api=edge;/api/products=catalog;/api/products/special=special;/api/cart=cart');

  it.each([
    ['/api/products', 'catalog'],
    ['/api/products/', 'catalog'],
    ['/api/products/123', 'catalog'],
    ['/api/products/123/reviews', 'catalog'],
    ['/api/products/special', 'special'],
    ['/api/products/special/1', 'special'],
    ['/api/products/specialist', 'catalog'],
    ['/api/cart', 'cart'],
    ['/api/cart/items', 'cart'],
    ['/api/productsX', 'edge'],
    ['/api/cartwheel', 'edge'],
    ['/api', 'edge'],
    ['/api/nope', 'edge'],
  ])('routes %s to %s (longest whole-segment prefix)', (path, service) => {
    expect(matchRoute(routes, path)?.service).toBe(service);
  });

  it.each(['/apix', '/', '/other/api/products', '', '/API/products'])('matches nothing for %j', (path) => {
    expect(matchRoute(routes, path)).toBeUndefined();
  });

  it('matches whole segments only', () => {
    const only = parseRoutes('/api/products=catalog');
    expect(matchRoute(only, '/api/productsX')).toBeUndefined();
    expect(matchRoute(only, '/api/products-old')).toBeUndefined();
    expect(matchRoute(only, '/api/product')).toBeUndefined();
    expect(matchRoute(only, '/api')).toBeUndefined();
    expect(matchRoute(only, '/api/products/x')).toEqual({ prefix: '/api/products', service: 'catalog' });
  });

  it('does not depend on the order routes are written in', () => {
    const a = parseRoutes('/api=edge;/api/products=catalog');
    const b = parseRoutes('/api/products=catalog;/api=edge');
    for (const path of ['/api/products/1', '/api/x', '/api']) {
      expect(matchRoute(a, path)).toEqual(matchRoute(b, path));
    }
  });

  it('returns nothing with no routes', () => {
    expect(matchRoute([], '/api/products')).toBeUndefined();
  });
});
