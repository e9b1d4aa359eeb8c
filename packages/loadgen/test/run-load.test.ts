/**
 * runLoad against the stand-in shop on 127.0.0.1. Bounds on time are generous upper limits or lower limits
 * that timers guarantee; nothing asserts that the machine is fast.
 */
import { createServer } from 'node:net';
import { createManualClock } from '@opsloop/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ENDPOINTS, LoadOptionsError, RemoteTargetError, runLoad, type LoadReport } from '../src/index.js';
import { startStandInShop, type StandInOptions, type StandInShop } from './stand-in-shop.js';

let shops: StandInShop[] = [];

afterEach(async () => {
  await Promise.all(shops.map((shop) => shop.close()));
  shops = [];
});

async function shop(options: StandInOptions = {}): Promise<StandInShop> {
  const started = await startStandInShop(options);
  shops.push(started);
  return started;
}

const endpoint = (report: LoadReport, name: string) => report.endpoints.find((e) => e.endpoint === name);

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('runLoad', () => {
  it('sends from the given loopback source address, and totals the latency of every endpoint', async () => {
    const target = await shop();
    const report = await runLoad({
      baseUrl: target.url,
      mix: { browse: 1 },
      concurrency: 2,
      maxJourneys: 4,
      seed: 3,
      sourceAddress: '127.0.0.3',
    });
    expect(report.journeys.completed).toBe(4);
    expect([...target.clients]).toEqual(['127.0.0.3']);
    const total = report.totals.latencyMs!;
    expect(total.p50).toBeGreaterThan(0);
    expect(total.p50).toBeLessThanOrEqual(total.p99);
    const slowest = Math.max(...report.endpoints.map((e) => e.latencyMs!.max));
    expect(total.max).toBe(slowest);
    await expect(runLoad({ baseUrl: target.url, maxJourneys: 1, sourceAddress: '10.1.2.3' })).rejects.toThrow(
      /sourceAddress: expected a loopback address/,
    );
    await expect(runLoad({ baseUrl: target.url, maxJourneys: 1, sourceAddress: 'me' })).rejects.toThrow(
      LoadOptionsError,
    );
  });

  it('spreads the journeys over as many client addresses as asked, like users at different addresses', async () => {
    const target = await shop();
    const report = await runLoad({
      baseUrl: target.url,
      mix: { browse: 1 },
      concurrency: 3,
      maxJourneys: 6,
      seed: 5,
      clients: 3,
    });
    expect(report.journeys.completed).toBe(6);
    expect([...target.clients].sort()).toEqual(['127.1.0.1', '127.1.0.2', '127.1.0.3']);
    await expect(
      runLoad({ baseUrl: target.url, maxJourneys: 1, clients: 2, sourceAddress: '127.0.0.3' }),
    ).rejects.toThrow(/clients: give sourceAddress \(one client\) or clients \(many\), not both/);
    await expect(runLoad({ baseUrl: 'http://[::1]:9/', maxJourneys: 1, clients: 2 })).rejects.toThrow(
      /clients > 1 sends from 127.1.0.0\/16/,
    );
  });

  it('runs exactly maxJourneys journeys in the closed model and counts every request', async () => {
    const target = await shop();
    const report = await runLoad({
      baseUrl: target.url,
      mix: { browse: 2, purchase: 2, signup: 1 },
      concurrency: 4,
      maxJourneys: 40,
      seed: 1,
    });
    expect(report).toMatchObject({ model: 'closed', concurrency: 4, stoppedBy: 'count', seed: 1 });
    expect(report.journeys).toMatchObject({
      started: 40,
      completed: 40,
      failed: 0,
      interrupted: 0,
      dropped: 0,
    });
    const byName = Object.values(report.journeys.byName).reduce((sum, counts) => sum + counts.started, 0);
    expect(byName).toBe(40);
    for (const name of Object.values(ENDPOINTS)) {
      const stats = endpoint(report, name);
      expect(stats, name).toBeDefined();
      expect(stats!.count, name).toBe(target.counts.get(name));
      expect(stats!.errorCount, name).toBe(0);
      expect(stats!.latencyMs!.p50, name).toBeGreaterThan(0);
      expect(stats!.latencyMs!.p50).toBeLessThanOrEqual(stats!.latencyMs!.p99);
      expect(stats!.latencyMs!.p99).toBeLessThanOrEqual(stats!.latencyMs!.max);
    }
    const checkout = endpoint(report, ENDPOINTS.checkout)!;
    expect(checkout.outcomes).toEqual({ placed: target.checkouts.placed });
    expect(target.idempotencyKeys.size).toBe(checkout.count);
    expect(report.totals.requests).toBe([...target.counts.values()].reduce((a, b) => a + b, 0));
    expect(report.totals.errors).toBe(0);
  });

  it('hands every recorded request to onRecord, with the time it ended', async () => {
    const target = await shop();
    const records: { endpoint: string; error?: string; atMs: number }[] = [];
    const report = await runLoad({
      baseUrl: target.url,
      maxJourneys: 10,
      seed: 7,
      onRecord: (record, atMs) =>
        records.push({
          endpoint: record.endpoint,
          atMs,
          ...('error' in record ? { error: record.error } : {}),
        }),
    });
    const counted = report.endpoints.reduce((sum, e) => sum + e.count, 0);
    const failed = report.endpoints.reduce((sum, e) => sum + e.errorCount, 0);
    expect(records).toHaveLength(counted);
    expect(records.filter((r) => r.error !== undefined)).toHaveLength(failed);
    for (const e of report.endpoints)
      expect(records.filter((r) => r.endpoint === e.endpoint)).toHaveLength(e.count);
    expect(records.every((r, i) => i === 0 || r.atMs >= records[i - 1]!.atMs)).toBe(true);
  });

  it('picks the same journeys for the same seed', async () => {
    const target = await shop();
    const run = (seed: number) =>
      runLoad({
        baseUrl: target.url,
        concurrency: 3,
        maxJourneys: 30,
        seed,
        mix: { browse: 1, storefront: 1, signup: 1 },
      });
    const [a, b] = [await run(7), await run(7)];
    expect(a.journeys.byName).toEqual(b.journeys.byName);
    expect(a.endpoints.map((e) => [e.endpoint, e.count])).toEqual(
      b.endpoints.map((e) => [e.endpoint, e.count]),
    );
  });

  it('starts journeys at the rate in the open model, up to maxJourneys', async () => {
    const target = await shop();
    for (const arrivals of ['uniform', 'poisson'] as const) {
      target.counts.clear();
      const report = await runLoad({
        baseUrl: target.url,
        mix: { storefront: 1 },
        rate: 100,
        arrivals,
        maxJourneys: 30,
      });
      expect(report).toMatchObject({
        model: 'open',
        rate: 100,
        arrivals,
        stoppedBy: 'count',
        concurrency: null,
      });
      expect(report.journeys).toMatchObject({ started: 30, completed: 30 });
      expect(target.counts.get(ENDPOINTS.storefront)).toBe(30);
      // 30 evenly spaced arrivals at 100/s span 290 ms: timers never fire early.
      if (arrivals === 'uniform') expect(report.durationMs).toBeGreaterThanOrEqual(280);
    }
  });

  it('drops open-model arrivals beyond maxInFlight and counts them', async () => {
    const target = await shop({ faults: { [ENDPOINTS.storefront]: { kind: 'delay', ms: 300 } } });
    const report = await runLoad({
      baseUrl: target.url,
      mix: { storefront: 1 },
      rate: 1000,
      maxInFlight: 2,
      maxJourneys: 20,
    });
    expect(report.journeys.dropped).toBeGreaterThan(0);
    expect(report.journeys.started + report.journeys.dropped).toBe(20);
    expect(report.journeys.completed).toBe(report.journeys.started);
  });

  it('stops at the time bound (real clock, generous limits)', async () => {
    const target = await shop();
    const report = await runLoad({
      baseUrl: target.url,
      mix: { browse: 1 },
      concurrency: 2,
      durationSeconds: 1,
      thinkTimeMs: [5, 20],
    });
    expect(report.stoppedBy).toBe('duration');
    expect(report.durationMs).toBeGreaterThanOrEqual(990);
    expect(report.durationMs).toBeLessThan(15_000);
    const { started, completed, failed, interrupted } = report.journeys;
    expect(started).toBeGreaterThan(0);
    expect(completed + failed + interrupted).toBe(started);
    expect(failed).toBe(0);
  });

  it('stops at the time bound on an injected clock, waking journeys that think', async () => {
    const target = await shop();
    const clock = createManualClock(Date.now());
    const running = runLoad({
      baseUrl: target.url,
      mix: { storefront: 1 },
      concurrency: 2,
      durationSeconds: 5,
      thinkTimeMs: 60_000,
      clock,
    });
    // Each virtual user's first journey needs no think time; then both wait a (manual) minute.
    while ((target.counts.get(ENDPOINTS.storefront) ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
    clock.advance(5_000);
    const report = await running;
    expect(report).toMatchObject({ stoppedBy: 'duration', durationMs: 5_000 });
    expect(report.journeys).toMatchObject({ started: 2, completed: 2 });
  });

  it('ends at once when its signal aborts, leaving cancelled requests uncounted', async () => {
    const target = await shop({ faults: { [ENDPOINTS.storefront]: { kind: 'delay', ms: 2_000 } } });
    const controller = new AbortController();
    const running = runLoad({
      baseUrl: target.url,
      mix: { storefront: 1 },
      concurrency: 3,
      signal: controller.signal,
    });
    while ((target.counts.get(ENDPOINTS.storefront) ?? 0) < 3) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const report = await running;
    expect(report.stoppedBy).toBe('signal');
    expect(report.journeys).toMatchObject({ started: 3, interrupted: 3, completed: 0 });
    expect(report.endpoints).toEqual([]);
  });

  describe('classifies errors', () => {
    const cases: [
      string,
      StandInOptions['faults'],
      Partial<Parameters<typeof runLoad>[0]>,
      string,
      string,
    ][] = [
      [
        '5xx',
        { [ENDPOINTS.storefront]: { kind: 'status', status: 503 } },
        {},
        ENDPOINTS.storefront,
        'http-5xx',
      ],
      [
        '4xx',
        { [ENDPOINTS.storefront]: { kind: 'status', status: 404 } },
        {},
        ENDPOINTS.storefront,
        'http-4xx',
      ],
      [
        '3xx',
        { [ENDPOINTS.storefront]: { kind: 'status', status: 302 } },
        {},
        ENDPOINTS.storefront,
        'http-other',
      ],
      ['reset', { [ENDPOINTS.storefront]: { kind: 'reset' } }, {}, ENDPOINTS.storefront, 'connection'],
      [
        'timeout',
        { [ENDPOINTS.storefront]: { kind: 'delay', ms: 1_500 } },
        { timeoutMs: 100 },
        ENDPOINTS.storefront,
        'timeout',
      ],
      [
        'off-contract body',
        { [ENDPOINTS.logIn]: { kind: 'off-contract' } },
        { mix: { signup: 1 } },
        ENDPOINTS.logIn,
        'invalid-response',
      ],
      [
        'off-contract product page',
        { [ENDPOINTS.listProducts]: { kind: 'off-contract' } },
        { mix: { browse: 1 } },
        ENDPOINTS.listProducts,
        'invalid-response',
      ],
    ];
    for (const [label, faults, extra, name, errorClass] of cases) {
      it(label, async () => {
        const target = await shop({ faults });
        const report = await runLoad({
          baseUrl: target.url,
          mix: { storefront: 1 },
          concurrency: 2,
          maxJourneys: 4,
          ...extra,
        });
        const stats = endpoint(report, name)!;
        expect(stats.count).toBe(4);
        expect(stats.errors).toEqual({ [errorClass]: 4 });
        expect(stats.errorCount).toBe(4);
        expect(stats.errorSamples[0]).toMatch(new RegExp(`^${errorClass}: `));
        expect(report.journeys).toMatchObject({ started: 4, failed: 4 });
        // Only answered requests have a latency.
        const answered = !['connection', 'timeout'].includes(errorClass);
        expect(stats.latencyMs === null).toBe(!answered);
      });
    }

    it('connection refused', async () => {
      const report = await runLoad({
        baseUrl: `http://127.0.0.1:${await closedPort()}`,
        mix: { storefront: 1 },
        maxJourneys: 3,
      });
      expect(endpoint(report, ENDPOINTS.storefront)!.errors).toEqual({ connection: 3 });
      expect(endpoint(report, ENDPOINTS.storefront)!.errorSamples[0]).toMatch(/ECONNREFUSED/);
    });

    it('names the problem type of an error answer', async () => {
      const target = await shop();
      const report = await runLoad({
        baseUrl: `${target.url}/nowhere`,
        mix: { storefront: 1 },
        maxJourneys: 1,
      });
      expect(endpoint(report, ENDPOINTS.storefront)!.errorSamples).toEqual([
        expect.stringMatching(/^http-4xx: HTTP 404 https:\/\/opsloop\.dev\/problems\/route-not-found/),
      ]);
    });
  });

  it('counts 409 out-of-stock and 402 declined checkouts as outcomes, not errors', async () => {
    const empty = await shop({ stock: 0 });
    const refused = await runLoad({
      baseUrl: empty.url,
      mix: { purchase: 1 },
      concurrency: 2,
      maxJourneys: 6,
    });
    const outOfStock = endpoint(refused, ENDPOINTS.checkout)!;
    expect(outOfStock).toMatchObject({ count: 6, ok: 6, errorCount: 0, outcomes: { 'out-of-stock': 6 } });
    expect(refused.journeys).toMatchObject({ completed: 6, failed: 0 });

    const declining = await shop({ declineEvery: 2 });
    const report = await runLoad({
      baseUrl: declining.url,
      mix: { purchase: 1 },
      concurrency: 1,
      maxJourneys: 6,
    });
    expect(endpoint(report, ENDPOINTS.checkout)).toMatchObject({
      count: 6,
      errorCount: 0,
      outcomes: { placed: 3, declined: 3 },
    });
  });

  it('refuses non-loopback targets and bad options before sending anything', async () => {
    await expect(runLoad({ baseUrl: 'http://10.255.255.1:8080', maxJourneys: 1 })).rejects.toBeInstanceOf(
      RemoteTargetError,
    );
    await expect(runLoad({ baseUrl: 'http://shop.example.com', maxJourneys: 1 })).rejects.toThrow(
      /allowRemote/,
    );
    const bad = (options: Partial<Parameters<typeof runLoad>[0]>) =>
      expect(runLoad({ baseUrl: 'http://127.0.0.1:1', ...options })).rejects.toBeInstanceOf(LoadOptionsError);
    await bad({ rate: 10, concurrency: 2 });
    await bad({ mix: { browse: 0 } });
    await bad({ thinkTimeMs: [50, 10] });
    await bad({ durationSeconds: 0 });
    await bad({ baseUrl: 'ftp://127.0.0.1' });
    await expect(runLoad({ baseUrl: 'http://127.0.0.1:1', rate: -1 })).rejects.toThrow(/rate/);
  });
});
