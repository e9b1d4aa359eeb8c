import { createManualClock, createStaticResolver } from '@opsloop/kit';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanups, deadEndpoint, startGateway, startUpstream, type Upstream } from '../test/support.js';
import { createProxy } from './proxy.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

const PUBLIC = { PUBLIC_ROUTES: '* /api/products*', CACHE_MAX_ENTRIES: '0' };

describe('gateway proxy: outlier ejection', () => {
  it('stops sending requests to a replica answering 503 after 5 in a row, for the ejection time', async () => {
    const sick = await startUpstream(cleanups, 'catalog-sick');
    sick.mode = 'unavailable';
    const well = await startUpstream(cleanups, 'catalog-well');
    const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
    // No retries: every request lands on exactly one replica, so the hits count the balancer's picks.
    const gateway = await startGateway(
      cleanups,
      { catalog: [sick.endpoint, well.endpoint] },
      { clock, env: { ...PUBLIC, UPSTREAM_RETRIES: '0' } },
    );
    const get = async () => (await gateway.app.inject({ method: 'GET', url: '/api/products' })).statusCode;

    // Idle replicas take turns: the sick one answers its fifth 503 on the ninth request.
    const first = [];
    for (let i = 0; i < 9; i++) first.push(await get());
    expect(first).toEqual([503, 200, 503, 200, 503, 200, 503, 200, 503]);
    expect(sick.hits).toHaveLength(5);

    for (let i = 0; i < 20; i++) expect(await get()).toBe(200);
    clock.advance(29_999);
    for (let i = 0; i < 5; i++) expect(await get()).toBe(200);
    expect(sick.hits).toHaveLength(5);
    expect(well.hits).toHaveLength(29);

    const metrics = (await gateway.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^http_client_outlier_ejections_total\{[^}]*upstream="catalog"[^}]*\} 1$/m);

    clock.advance(1);
    const after = [await get(), await get()];
    expect(after.sort()).toEqual([200, 503]);
    expect(sick.hits).toHaveLength(6);
  });

  it('ejects a replica that refuses connections, so GETs stop paying for a failed attempt', async () => {
    const dead = await deadEndpoint(cleanups, 'catalog-dead');
    const well = await startUpstream(cleanups, 'catalog-well');
    const lines: string[] = [];
    const gateway = await startGateway(
      cleanups,
      { catalog: [dead, well.endpoint] },
      {
        clock: createManualClock(0),
        env: { ...PUBLIC, LOG_LEVEL: 'info' },
        logDestination: { write: (line: string) => void lines.push(line) },
      },
    );
    const refusedAttempts = () => lines.filter((line) => line.includes('upstream attempt failed')).length;
    for (let i = 0; i < 30; i++) {
      const res = await gateway.app.inject({ method: 'GET', url: '/api/products' });
      expect(res.statusCode).toBe(200);
    }
    expect(well.hits).toHaveLength(30);
    expect(refusedAttempts()).toBe(5);
    const ejected = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.msg === 'upstream ejected');
    expect(ejected).toMatchObject({ upstream: 'catalog', instance: 'catalog-dead', ejection_ms: 30_000 });
  });
});

describe('createProxy: load-balancing options', () => {
  function proxyOver(
    upstreams: Upstream[],
    loadBalancing: Parameters<typeof createProxy>[0]['loadBalancing'],
  ) {
    const proxy = createProxy({
      resolver: createStaticResolver(new Map([['catalog', upstreams.map((u) => u.endpoint)]])),
      ...(loadBalancing === undefined ? {} : { loadBalancing }),
      clock: createManualClock(0),
      timeoutMs: 2_000,
      retries: 0,
      registry: new Registry(),
    });
    cleanups.add(() => proxy.close());
    return async () => {
      const res = await proxy.send('catalog', { method: 'GET', url: '/api/products', headers: {} });
      await res.body.dump();
      return res.statusCode;
    };
  }

  it('keeps sending to a failing replica when outlier detection is off', async () => {
    const sick = await startUpstream(cleanups, 'catalog-sick');
    sick.mode = 'unavailable';
    const well = await startUpstream(cleanups, 'catalog-well');
    const send = proxyOver([sick, well], { policy: 'round-robin', outlierDetection: false });
    for (let i = 0; i < 20; i++) await send();
    expect(sick.hits).toHaveLength(10);
    expect(well.hits).toHaveLength(10);
  });

  it('honours endpoint weights', async () => {
    const stable = await startUpstream(cleanups, 'catalog-stable');
    const canary = await startUpstream(cleanups, 'catalog-canary');
    stable.endpoint = { ...stable.endpoint, weight: 90 };
    canary.endpoint = { ...canary.endpoint, weight: 10 };
    const send = proxyOver([stable, canary], undefined);
    for (let i = 0; i < 100; i++) expect(await send()).toBe(200);
    expect(stable.hits).toHaveLength(90);
    expect(canary.hits).toHaveLength(10);
  });
});
