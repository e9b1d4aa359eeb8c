import { describe, expect, it } from 'vitest';
import { DEFAULT_PUBLIC_ROUTES, isPublic, parseAccessRules } from './access-rules.js';

describe('PUBLIC_ROUTES', () => {
  const rules = parseAccessRules(DEFAULT_PUBLIC_ROUTES);

  it.each([
    ['GET', '/api/products', true],
    ['HEAD', '/api/products', true],
    ['GET', '/api/products/', true],
    ['GET', '/api/products/123', true],
    ['GET', '/api/productsX', false],
    ['POST', '/api/products', false],
    ['DELETE', '/api/products/1', false],
    ['POST', '/api/users', true],
    ['POST', '/api/users/login', true],
    ['GET', '/api/users', false],
    ['GET', '/api/users/me', false],
    ['POST', '/api/users/me', false],
    ['POST', '/api/users/login/x', false],
    ['GET', '/api/docs', true],
    ['GET', '/api/docs/openapi.json', true],
    ['GET', '/api/docs/static/index.css', true],
    ['GET', '/api/storefront', true],
    ['GET', '/api/cart', false],
    ['POST', '/api/checkout', false],
    ['GET', '/api/orders', false],
    ['GET', '/api/orders/1', false],
  ])('%s %s is public: %s', (method, path, expected) => {
    expect(isPublic(rules, method, path)).toBe(expected);
  });

  it('parses method lists, any-method rules and newlines', () => {
    const parsed = parseAccessRules('get,post /api/a\n* /api/b*;');
    expect(isPublic(parsed, 'POST', '/api/a')).toBe(true);
    expect(isPublic(parsed, 'PUT', '/api/a')).toBe(false);
    expect(isPublic(parsed, 'DELETE', '/api/b/c')).toBe(true);
  });

  it('makes everything protected when empty', () => {
    expect(isPublic(parseAccessRules(''), 'GET', '/api/products')).toBe(false);
  });

  it.each([
    ['GET', 'expected "METHOD /path"'],
    ['GET /api/a extra', 'expected "METHOD /path"'],
    ['GET api/a', 'is not a path'],
    ['GET /api/a/', 'is not a path'],
    ['GET /api//a', 'is not a path'],
    ['G3T /api/a', 'is not an HTTP method'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseAccessRules(spec)).toThrow(message);
  });
});
