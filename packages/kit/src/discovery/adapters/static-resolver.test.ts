import { describe, expect, it } from 'vitest';
import { createStaticResolver, parseStaticEndpoints } from './static-resolver.js';

describe('parseStaticEndpoints', () => {
  it('parses services with one or more URLs', () => {
    const map = parseStaticEndpoints(
      'catalog=http://127.0.0.1:3001,http://127.0.0.1:3002;cart=http://localhost:4000',
    );
    expect([...map.keys()]).toEqual(['catalog', 'cart']);
    expect(map.get('catalog')).toEqual([
      { instance: 'catalog-static-1', url: 'http://127.0.0.1:3001', version: 'unknown' },
      { instance: 'catalog-static-2', url: 'http://127.0.0.1:3002', version: 'unknown' },
    ]);
    expect(map.get('cart')).toEqual([
      { instance: 'cart-static-1', url: 'http://localhost:4000', version: 'unknown' },
    ]);
  });

  it('tolerates whitespace, empty entries and a trailing slash', () => {
    const map = parseStaticEndpoints(' ; catalog = http://127.0.0.1:3001/ , http://127.0.0.1:3002 ,; ;');
    expect(map.get('catalog')?.map((e) => e.url)).toEqual(['http://127.0.0.1:3001', 'http://127.0.0.1:3002']);
    expect(map.size).toBe(1);
  });

  it('returns an empty map for an empty spec', () => {
    expect(parseStaticEndpoints('').size).toBe(0);
    expect(parseStaticEndpoints('  ;  ').size).toBe(0);
  });

  it('keeps a service listed without URLs, with no endpoints', () => {
    expect(parseStaticEndpoints('catalog=').get('catalog')).toEqual([]);
  });

  it.each([
    ['catalog', 'OPSLOOP_ENDPOINTS: expected name=url[,url] (got "catalog")'],
    ['=http://127.0.0.1:3001', 'OPSLOOP_ENDPOINTS: expected name=url[,url] (got "=http://127.0.0.1:3001")'],
    [' =http://127.0.0.1:3001', 'OPSLOOP_ENDPOINTS: expected name=url[,url] (got "=http://127.0.0.1:3001")'],
    ['catalog=not a url', 'OPSLOOP_ENDPOINTS: catalog: "not a url" is not a URL'],
    ['catalog=http://127.0.0.1:1;cart=127.0.0.1:2x', 'OPSLOOP_ENDPOINTS: cart: "127.0.0.1:2x" is not a URL'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseStaticEndpoints(spec)).toThrow(message);
  });
});

describe('createStaticResolver', () => {
  it('serves the fixed endpoints, is always synced and closes', async () => {
    const resolver = createStaticResolver(parseStaticEndpoints('catalog=http://127.0.0.1:3001'));
    resolver.watch('catalog');
    resolver.watch('catalog');
    expect(resolver.synced()).toBe(true);
    expect(resolver.endpoints('catalog').map((e) => e.instance)).toEqual(['catalog-static-1']);
    expect(resolver.endpoints('unknown')).toEqual([]);
    await expect(resolver.close()).resolves.toBeUndefined();
  });

  it('is synced even for a service it does not know', () => {
    const resolver = createStaticResolver(new Map());
    resolver.watch('cart');
    expect(resolver.synced()).toBe(true);
    expect(resolver.endpoints('cart')).toEqual([]);
  });
});
