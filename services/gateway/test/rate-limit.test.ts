import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { problemOf, startGateway, startUpstream } from './support.js';
import { gatewaySuite } from './support/suite.js';

const { cleanups, issuer } = gatewaySuite();

async function setup() {
  const clock = createManualClock(Date.now());
  const catalog = await startUpstream(cleanups, 'catalog');
  const users = await startUpstream(cleanups, 'users', issuer);
  const gateway = await startGateway(
    cleanups,
    { catalog: [catalog.endpoint], users: [users.endpoint], cart: [catalog.endpoint] },
    {
      clock,
      env: {
        ROUTES: '/api/products=catalog;/api/cart=cart',
        RATE_LIMIT_RPS: '1',
        RATE_LIMIT_BURST: '2',
        CACHE_MAX_ENTRIES: '0',
      },
    },
  );
  return { clock, catalog, gateway };
}

const from = (ip: string, headers: Record<string, string> = {}) => ({
  url: '/api/products',
  remoteAddress: ip,
  headers,
});

describe('gateway: rate limiting', () => {
  it('gives each IP a bucket: a burst, then 429 with Retry-After, then tokens back with time', async () => {
    const { gateway, clock, catalog } = await setup();
    const first = await gateway.app.inject(from('10.0.0.1'));
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'ratelimit-limit': '2',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '1',
      'ratelimit-policy': '2;w=2',
    });
    expect((await gateway.app.inject(from('10.0.0.1'))).headers['ratelimit-remaining']).toBe('0');
    const refused = await gateway.app.inject(from('10.0.0.1'));
    const body = problemOf(refused, 429, 'rate-limited');
    expect(body.detail).toContain('retry in 1 s');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(catalog.hits).toHaveLength(2);

    expect((await gateway.app.inject(from('10.0.0.2'))).statusCode).toBe(200);
    clock.advance(1_000);
    expect((await gateway.app.inject(from('10.0.0.1'))).statusCode).toBe(200);
  });

  it('keys signed-in callers by user, wherever they come from', async () => {
    const { gateway } = await setup();
    const alice = { authorization: `Bearer ${await issuer.sign({ sub: 'alice' })}` };
    const bob = { authorization: `Bearer ${await issuer.sign({ sub: 'bob' })}` };
    const cart = (ip: string, headers: Record<string, string>) => ({
      url: '/api/cart',
      remoteAddress: ip,
      headers,
    });
    expect((await gateway.app.inject(cart('10.0.0.1', alice))).statusCode).toBe(200);
    expect((await gateway.app.inject(cart('10.0.0.2', alice))).statusCode).toBe(200);
    problemOf(await gateway.app.inject(cart('10.0.0.3', alice)), 429, 'rate-limited');
    expect((await gateway.app.inject(cart('10.0.0.3', bob))).statusCode).toBe(200);
    // The IP's own bucket is untouched by signed-in traffic.
    expect((await gateway.app.inject(from('10.0.0.3'))).statusCode).toBe(200);
  });

  it('counts failed sign-ins against the IP, before answering 401', async () => {
    const { gateway } = await setup();
    const bad = { url: '/api/cart', remoteAddress: '10.0.0.9', headers: { authorization: 'Bearer a.b.c' } };
    problemOf(await gateway.app.inject(bad), 401, 'unauthorized');
    problemOf(await gateway.app.inject(bad), 401, 'unauthorized');
    problemOf(await gateway.app.inject(bad), 429, 'rate-limited');
  });

  it('leaves /livez, /readyz and /metrics alone', async () => {
    const { gateway } = await setup();
    for (let i = 0; i < 5; i++) {
      const res = await gateway.app.inject({ url: '/livez', remoteAddress: '10.0.0.1' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it.each([
    ['RATE_LIMIT_RPS', '0'],
    ['RATE_LIMIT_RPS', 'fast'],
    ['RATE_LIMIT_BURST', '0'],
    ['RATE_LIMIT_MAX_CLIENTS', '-1'],
  ])('refuses %s=%s at start', async (name, value) => {
    await expect(startGateway(cleanups, {}, { env: { [name]: value } })).rejects.toThrow(name);
  });
});
