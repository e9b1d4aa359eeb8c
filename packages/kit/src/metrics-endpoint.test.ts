import { trace } from '@opentelemetry/api';
import { AlwaysOffSampler, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { renderOpenMetrics } from './openmetrics-text.js';
import { createService, type Service } from './service.js';
import { createTracing, type Tracing } from './tracing/create-tracing.js';
import { createTestTracing } from './tracing/test-tracing.js';

const OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

let service: Service | undefined;
let tracing: { shutdown(): Promise<void> } | undefined;
afterEach(async () => {
  await service?.shutdown('test');
  service = undefined;
  await tracing?.shutdown();
  tracing = undefined;
});

async function start(): Promise<Service> {
  service = await createService({
    name: 'demo',
    version: '1.0.0',
    env: { LOG_LEVEL: 'silent', OPSLOOP_INSTANCE: 'demo-1' },
    setup({ app }) {
      app.get('/hello', () => ({ spanId: trace.getActiveSpan()?.spanContext().spanId }));
    },
  });
  return service;
}

const bucketLines = (text: string) =>
  text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_bucket{'));

describe('/metrics content negotiation and exemplars', () => {
  it('serves OpenMetrics with the sampled server span as exemplar to a scraper that prefers it', async () => {
    const test = createTestTracing('demo');
    tracing = test;
    const app = (await start()).app;
    const hello = await app.inject({ method: 'GET', url: '/hello' });
    const spanId = hello.json<{ spanId: string }>().spanId;
    const [span] = test.spansNamed('GET /hello');
    expect(span?.spanContext().spanId).toBe(spanId);

    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { accept: OPENMETRICS_ACCEPT } });
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(res.headers.vary).toBe('accept');
    expect(res.body.endsWith('\n# EOF\n')).toBe(true);
    const withExemplar = bucketLines(res.body).filter((l) => l.includes(' # {'));
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]).toContain(`# {trace_id="${span?.spanContext().traceId}",span_id="${spanId}"} `);
    expect(withExemplar[0]).toContain('route="/hello"');
  });

  it('keeps serving the 0.0.4 text, without exemplars, to scrapers that do not ask for OpenMetrics', async () => {
    tracing = createTestTracing('demo');
    const app = (await start()).app;
    await app.inject({ method: 'GET', url: '/hello' });
    for (const headers of [{}, { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' }]) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.body).not.toContain('# EOF');
      expect(res.body).not.toContain('trace_id');
      expect(bucketLines(res.body).length).toBeGreaterThan(0);
    }
  });

  it('gives no exemplar for an unsampled span', async () => {
    const unsampled: Tracing = createTracing({
      service: 'demo',
      version: '1.0.0',
      instance: 'demo-1',
      sampler: new AlwaysOffSampler(),
      exporter: new InMemorySpanExporter(),
    });
    tracing = unsampled;
    const app = (await start()).app;
    expect((await app.inject({ method: 'GET', url: '/hello' })).statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { accept: OPENMETRICS_ACCEPT } });
    const lines = bucketLines(res.body);
    expect(lines.some((l) => l.includes('route="/hello"'))).toBe(true);
    expect(lines.some((l) => l.includes('trace_id'))).toBe(false);
  });
});

describe('exemplars only for exported traces', () => {
  it('gives none when spans are exported nowhere (ids only), sampled or not', async () => {
    const idsOnly: Tracing = createTracing({ service: 'demo', version: '1.0.0', instance: 'demo-1' });
    expect(idsOnly.exports).toBe(false);
    tracing = idsOnly;
    const app = (await start()).app;
    expect((await app.inject({ method: 'GET', url: '/hello' })).statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { accept: OPENMETRICS_ACCEPT } });
    const lines = bucketLines(res.body);
    expect(lines.some((l) => l.includes('route="/hello"'))).toBe(true);
    expect(lines.some((l) => l.includes('trace_id'))).toBe(false);
  });
});

describe('createMetrics: the exemplar-enabled RED histogram', () => {
  it('still takes observe(labels, value) and observe(value), recording no exemplar', async () => {
    const metrics = createMetrics({
      service: 'demo',
      version: '1',
      instance: 'demo-1',
      runtimeMetrics: false,
    });
    metrics.httpDuration.observe({ route: '/x', method: 'GET', status: '200' }, 0.2);
    metrics.httpDuration.observe(0.3);
    const text = await renderOpenMetrics(metrics.registry);
    expect(text).toContain(
      'http_server_request_duration_seconds_count{route="/x",method="GET",status="200",service="demo",version="1",instance="demo-1"} 1\n',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="demo",version="1",instance="demo-1"} 1\n',
    );
    expect(text).not.toContain(' # {');
  });
});
