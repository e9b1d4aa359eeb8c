import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createManualClock, type TestTracing } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryBackend, type TelemetryBackend } from '../backend/telemetry-backend.js';
import { parseOpenMetricsText } from '../exposition/openmetrics-text.js';
import { parsePrometheusText } from '../exposition/prometheus-text.js';
import { SCRAPE_ACCEPT } from '../scrape/http-scrape-fetch.js';
import { startTracedShop, type TracedShop } from './testing/traced-shop.js';

interface ExemplarsBody {
  status: string;
  data: {
    seriesLabels: Record<string, string>;
    exemplars: { labels: Record<string, string>; value: string }[];
  }[];
}

/** Polls `probe` (each turn of the event loop) until it returns a value; fails after 5 s. */
async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('exemplars end to end: kit service → scrape → query_exemplars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-exemplars-'));
  let shop: TracedShop;
  let tracing: TestTracing;
  let baseUrl: string;
  let metricsUrl: string;
  let backend: TelemetryBackend;

  beforeAll(async () => {
    shop = await startTracedShop();
    ({ tracing, baseUrl } = shop);
    metricsUrl = `${baseUrl}/metrics`;
    // A manual clock: the scrape runs when the test says, not on the scrape timer.
    backend = await createTelemetryBackend({ dir, clock: createManualClock(Date.now()) });
  });
  afterAll(async () => {
    await backend.close();
    await shop.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves both formats validly, and finds the trace id of a request by its latency bucket', async () => {
    const response = await fetch(`${baseUrl}/checkout`);
    expect(response.status).toBe(200);
    // The span ends (and the histogram observes) in the server's onResponse hook, which may run after the
    // client has the response.
    const span = await waitFor(() => tracing.spansNamed('GET /checkout')[0]);
    const { traceId, spanId } = span.spanContext();

    // Both formats parse with the strict parsers; only OpenMetrics carries the exemplar.
    const om = await fetch(metricsUrl, { headers: { accept: SCRAPE_ACCEPT } });
    expect(om.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const omFamilies = parseOpenMetricsText(await om.text());
    const plain = await fetch(metricsUrl);
    expect(plain.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const plainFamilies = parsePrometheusText(await plain.text());
    // A garbage collection between the two fetches may add the GC histogram's first samples to one only.
    const sampleNames = (families: typeof omFamilies) =>
      new Set(
        families.flatMap((f) => f.samples.map((s) => s.name)).filter((n) => !n.startsWith('nodejs_gc_')),
      );
    // The same series names in both formats (a counter's `_total` is not lost or doubled).
    expect(sampleNames(omFamilies)).toEqual(sampleNames(plainFamilies));
    expect(sampleNames(omFamilies)).toContain('process_cpu_seconds_total');
    expect(plainFamilies.flatMap((f) => f.samples).some((s) => s.exemplar !== undefined)).toBe(false);

    backend.scraper.setTargets([{ url: metricsUrl, labels: { job: 'shop', instance: 'shop-1' } }]);
    await backend.scraper.scrapeAll();
    expect(backend.scraper.targets()[0]).toMatchObject({ health: 'up', lastError: null });
    // The same exemplar scraped again is stored once.
    await backend.scraper.scrapeAll();

    const app = Fastify();
    await backend.registerRoutes(app);
    const query = encodeURIComponent(
      'http_server_request_duration_seconds_bucket{job="shop",route="/checkout"}',
    );
    const res = await app.inject({ method: 'GET', url: `/api/v1/query_exemplars?query=${query}` });
    await app.close();
    expect(res.statusCode).toBe(200);
    const body = res.json<ExemplarsBody>();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.seriesLabels).toMatchObject({
      __name__: 'http_server_request_duration_seconds_bucket',
      job: 'shop',
      service: 'shop',
      route: '/checkout',
      status: '200',
    });
    expect(body.data[0]?.exemplars).toHaveLength(1);
    expect(body.data[0]?.exemplars[0]?.labels).toEqual({ trace_id: traceId, span_id: spanId });

    // The MetricsSource port answers the same.
    const viaPort = await backend.metrics.queryExemplars(
      'histogram_quantile(0.99, rate(http_server_request_duration_seconds_bucket[5m]))',
      0,
      Date.now() + 60_000,
    );
    expect(viaPort.flatMap((s) => s.exemplars.map((e) => e.labels['trace_id']))).toEqual([traceId]);
  });
});
