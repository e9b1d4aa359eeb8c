import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute } from './router.js';

describe('dashboard routes', () => {
  it('parses every page from the fragment and back', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/services/cart')).toEqual({ page: 'service', service: 'cart' });
    expect(parseRoute('#/services/cart?range=1h')).toEqual({ page: 'service', service: 'cart' });
    expect(parseRoute('#/incidents')).toEqual({ page: 'incidents' });
    expect(parseRoute('#/incidents/inc-7')).toEqual({ page: 'incident', id: 'inc-7' });
    for (const page of ['deployments', 'flags', 'chaos'] as const)
      expect(parseRoute(hrefOf({ page }))).toEqual({ page });
    expect(parseRoute(hrefOf({ page: 'service', service: 'a b' }))).toEqual({
      page: 'service',
      service: 'a b',
    });
  });

  it('calls anything else not-found, even a malformed escape', () => {
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
    expect(parseRoute('#/services')).toMatchObject({ page: 'not-found' });
    expect(parseRoute('#/services/%E0%A4%A/x')).toMatchObject({ page: 'not-found' });
    expect(parseRoute('#/services/%E0%A4%A')).toEqual({ page: 'service', service: '%E0%A4%A' });
  });
});
