import { describe, expect, it } from 'vitest';
import { PrometheusTextError } from '@opsloop/telemetry';
import { createReplicaWindow, ReplicaWindowError } from './replica-window.js';

const LES = ['0.1', '0.25', '0.5', '+Inf'];

interface Scrape {
  cpu?: number;
  start?: number;
  /** Cumulative bucket counts (aligned with LES) per route. */
  routes?: Record<string, number[]>;
  /** Cumulative gRPC call counts (in the +Inf bucket only). */
  rpc?: number;
}

/** A replica's /metrics page, shaped like prom-client's. */
function page({ cpu, start = 1_700_000_000, routes = {}, rpc }: Scrape): string {
  const lines: string[] = [];
  if (cpu !== undefined) {
    lines.push('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.');
    lines.push('# TYPE process_cpu_seconds_total counter');
    lines.push(`process_cpu_seconds_total{service="cart"} ${cpu}`);
  }
  lines.push(
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds{service="cart"} ${start}`,
  );
  lines.push('# TYPE http_server_request_duration_seconds histogram');
  for (const [route, counts] of Object.entries(routes)) {
    LES.forEach((le, i) =>
      lines.push(`http_server_request_duration_seconds_bucket{le="${le}",route="${route}"} ${counts[i]}`),
    );
    lines.push(`http_server_request_duration_seconds_sum{route="${route}"} 1`);
    lines.push(`http_server_request_duration_seconds_count{route="${route}"} ${counts[3]}`);
  }
  if (rpc !== undefined) {
    lines.push('# TYPE rpc_server_duration_seconds histogram');
    LES.forEach((le, i) =>
      lines.push(`rpc_server_duration_seconds_bucket{le="${le}",method="a.B/C"} ${i === 3 ? rpc : 0}`),
    );
    lines.push(`rpc_server_duration_seconds_count{method="a.B/C"} ${rpc}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('ReplicaWindow', () => {
  it('has no rates until it holds two scrapes', () => {
    const window = createReplicaWindow();
    expect(window.metrics()).toMatchObject({ scrapes: 0, rps: null, cpuCores: null, p95Ms: null });
    window.addScrape(0, page({ cpu: 1, routes: { '/a': [1, 1, 1, 1] } }));
    expect(window.metrics()).toMatchObject({ scrapes: 1, rps: null, cpuCores: null, p95Ms: null });
  });

  it('derives CPU as a fraction of a core, and as % of the request like the HPA', () => {
    const plain = createReplicaWindow();
    const requested = createReplicaWindow({ cpuRequestCores: 0.1 });
    for (const window of [plain, requested]) {
      window.addScrape(0, page({ cpu: 10 }));
      window.addScrape(15_000, page({ cpu: 10.3 }));
      window.addScrape(30_000, page({ cpu: 10.6 }));
    }
    expect(plain.metrics().cpuCores).toBeCloseTo(0.02, 12);
    expect(plain.metrics().cpuUtilizationPercent).toBeCloseTo(2, 10);
    expect(requested.metrics().cpuUtilizationPercent).toBeCloseTo(20, 10);
  });

  it('counts requests across label sets and both request histograms, a new label set included', () => {
    const window = createReplicaWindow();
    window.addScrape(0, page({ routes: { '/a': [0, 0, 0, 100] }, rpc: 10 }));
    window.addScrape(10_000, page({ routes: { '/a': [0, 0, 0, 150] }, rpc: 20 }));
    // The first request on /b creates its series: all of its count is new.
    window.addScrape(20_000, page({ routes: { '/a': [0, 0, 0, 200], '/b': [0, 0, 0, 40] }, rpc: 30 }));
    const m = window.metrics();
    expect(m.requests).toBe(100 + 40 + 20);
    expect(m.rps).toBeCloseTo(160 / 20, 12);
  });

  it('slides: only the last 60 s count, and a shorter look-back can be asked for', () => {
    const window = createReplicaWindow();
    // 1 req/s for 60 s, then 5 req/s.
    let count = 0;
    for (let t = 0; t <= 120_000; t += 15_000) {
      window.addScrape(t, page({ routes: { '/a': [0, 0, 0, count] } }));
      count += t < 60_000 ? 15 : 75;
    }
    expect(window.metrics().rps).toBeCloseTo(5, 12);
    expect(window.size).toBe(5);
    expect(window.metrics(120_000, 15_000)).toMatchObject({ scrapes: 2, fromMs: 105_000, toMs: 120_000 });
    expect(window.metrics(120_000, 600_000).fromMs).toBe(60_000); // cannot look further than the window
    // A later `now` with no new scrape: the window holds fewer scrapes, the rate is over what is left.
    expect(window.metrics(165_000)).toMatchObject({ scrapes: 2, rps: 5 });
    expect(window.metrics(200_000)).toMatchObject({ scrapes: 0, rps: null });
  });

  it('never gives a negative rate across a replica restart (counter reset), as Prometheus counts it', () => {
    const window = createReplicaWindow();
    window.addScrape(0, page({ cpu: 50, start: 1000, routes: { '/a': [0, 0, 0, 1000] } }));
    window.addScrape(15_000, page({ cpu: 51, start: 1000, routes: { '/a': [0, 0, 0, 1300] } }));
    // Restarted: counters start again from 0 and have reached 30 requests and 0.2 s of CPU.
    window.addScrape(30_000, page({ cpu: 0.2, start: 1020, routes: { '/a': [0, 0, 0, 30] } }));
    const m = window.metrics();
    expect(m.resets).toBe(1);
    expect(m.requests).toBe(300 + 30);
    expect(m.rps).toBeCloseTo(330 / 30, 12);
    expect(m.cpuCores).toBeCloseTo(1.2 / 30, 12);
  });

  it('sees a restart through process_start_time_seconds even when counters grew past their old values', () => {
    const window = createReplicaWindow();
    window.addScrape(0, page({ start: 1000, routes: { '/a': [0, 0, 0, 100] } }));
    window.addScrape(15_000, page({ start: 1010, routes: { '/a': [0, 0, 0, 150] } }));
    expect(window.metrics()).toMatchObject({ resets: 1, requests: 150 });
  });

  it('p95 over the window comes from the increase of the buckets (hand computation)', () => {
    const window = createReplicaWindow();
    // Before the window's traffic: 1000 fast requests, which must not count.
    window.addScrape(0, page({ routes: { '/a': [1000, 1000, 1000, 1000] } }));
    // Then 100 requests on two routes: cumulative increases 50 ≤ 0.1, 90 ≤ 0.25, 98 ≤ 0.5, 100 in all.
    window.addScrape(30_000, page({ routes: { '/a': [1030, 1060, 1065, 1066], '/b': [20, 30, 33, 34] } }));
    const m = window.metrics();
    expect(m.latencyBuckets).toEqual([
      { le: 0.1, count: 50 },
      { le: 0.25, count: 90 },
      { le: 0.5, count: 98 },
      { le: Infinity, count: 100 },
    ]);
    // rank 95 lies in (0.25, 0.5], which holds ranks 91–98: 0.25 + 0.25 × 5/8 s.
    expect(m.p95Ms).toBeCloseTo(406.25, 9);
  });

  it('has no p95 when nothing was served in the window, but a rate of 0', () => {
    const window = createReplicaWindow();
    window.addScrape(0, page({ routes: { '/a': [1, 1, 1, 1] } }));
    window.addScrape(15_000, page({ routes: { '/a': [1, 1, 1, 1] } }));
    expect(window.metrics()).toMatchObject({ rps: 0, p95Ms: null });
  });

  it('keeps at most maxScrapes scrapes', () => {
    const window = createReplicaWindow({ maxScrapes: 3 });
    for (let t = 0; t < 10; t++) window.addScrape(t * 1000, page({ routes: { '/a': [0, 0, 0, t] } }));
    expect(window.size).toBe(3);
    expect(window.metrics()).toMatchObject({ fromMs: 7000, toMs: 9000, rps: 1 });
  });

  it('rejects bad input with errors that name the field', () => {
    const window = createReplicaWindow();
    window.addScrape(1000, page({}));
    expect(() => window.addScrape(1000, page({}))).toThrow(ReplicaWindowError);
    expect(() => window.addScrape(500, page({}))).toThrow(/atMs must increase: got 500 after 1000/);
    expect(() => window.addScrape(NaN, page({}))).toThrow(/atMs must be a finite time/);
    expect(() => window.addScrape(2000, 'broken{ 1')).toThrow(PrometheusTextError);
    expect(window.size).toBe(1);
    expect(() => window.metrics(Infinity)).toThrow(/nowMs/);
    expect(() => window.metrics(undefined, 0)).toThrow(/windowMs must be a positive number/);
    expect(() => createReplicaWindow({ windowMs: -1 })).toThrow(/windowMs must be a positive number, got -1/);
    expect(() => createReplicaWindow({ cpuRequestCores: 0 })).toThrow(/cpuRequestCores/);
    expect(() => createReplicaWindow({ maxScrapes: 1 })).toThrow(/maxScrapes/);
  });
});
