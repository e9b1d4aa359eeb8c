import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracedShop, type TracedShop } from '../src/exemplars/testing/traced-shop.js';
import { createPrometheusMetricsSource } from '../src/metrics/adapters/prometheus-metrics-source.js';
import { PROMETHEUS_BIN, startPrometheus, type RealServer } from './support/real-servers.js';

// The production twin of the exemplar path: a real Prometheus (exemplar storage on) scrapes a kit service's
// /metrics — it asks for OpenMetrics, so it gets the latency buckets' exemplars — and the Prometheus
// MetricsSource adapter finds the trace id of a traced request through `query_exemplars`, as the embedded
// backend does (src/exemplars/exemplars-end-to-end.test.ts).
describe.skipIf(PROMETHEUS_BIN === '')('exemplars through a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-exemplars-real-'));
  let shop: TracedShop;
  let prometheus: RealServer;

  beforeAll(async () => {
    shop = await startTracedShop();
    const url = new URL(shop.baseUrl);
    prometheus = await startPrometheus(dir, { scrapeTargets: [url.host], features: ['exemplar-storage'] });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await shop?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the trace and span ids of a request for its latency bucket', async () => {
    const response = await fetch(`${shop.baseUrl}/checkout`);
    expect(response.status).toBe(200);
    const source = createPrometheusMetricsSource({ baseUrl: prometheus.url, timeoutMs: 5_000 });
    const deadline = Date.now() + 30_000;
    let found: Awaited<ReturnType<typeof source.queryExemplars>> = [];
    while (found.length === 0 && Date.now() < deadline) {
      found = await source.queryExemplars(
        'http_server_request_duration_seconds_bucket{route="/checkout"}',
        Date.now() - 300_000,
        Date.now() + 60_000,
      );
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const span = shop.tracing.spansNamed('GET /checkout')[0];
    expect(span).toBeDefined();
    expect(found).toHaveLength(1);
    expect(found[0]?.seriesLabels).toMatchObject({
      __name__: 'http_server_request_duration_seconds_bucket',
      job: 'test',
      route: '/checkout',
      status: '200',
    });
    expect(found[0]?.exemplars.map((e) => e.labels)).toEqual([
      { trace_id: span!.spanContext().traceId, span_id: span!.spanContext().spanId },
    ]);
  }, 60_000);
});
