import { createTestTracing, SpanKind, SpanStatusCode, type TestTracing } from '@opsloop/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCleanups, startGateway, startUpstream } from './support.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const PUBLIC = { PUBLIC_ROUTES: '* /api/products*', CACHE_MAX_ENTRIES: '0', UPSTREAM_RETRIES: '1' };

const cleanups = createCleanups();
let tracing: TestTracing;
beforeAll(() => {
  tracing = createTestTracing('gateway');
});
afterEach(async () => {
  await cleanups.run();
  tracing.reset();
});
afterAll(() => tracing.shutdown());

describe('gateway tracing', () => {
  it('makes SERVER → CLIENT spans of the caller’s trace; the upstream’s parent is the CLIENT span', async () => {
    const catalog = await startUpstream(cleanups, 'catalog-1');
    const gateway = await startGateway(cleanups, { catalog: [catalog.endpoint] }, { env: PUBLIC });
    const res = await gateway.app.inject({ url: '/api/products', headers: { traceparent: CALLER } });
    expect(res.statusCode).toBe(200);
    const server = tracing.spans().find((span) => span.kind === SpanKind.SERVER);
    const client = tracing.spans().find((span) => span.kind === SpanKind.CLIENT);
    expect(server?.name).toBe('GET /api/*');
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(client?.attributes).toMatchObject({
      'peer.service': 'catalog',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(catalog.hits[0]?.headers.traceparent).toBe(`00-${TRACE_ID}-${client?.spanContext().spanId}-01`);
  });

  it('gives each attempt its own CLIENT span, the failed one an error', async () => {
    const sick = await startUpstream(cleanups, 'catalog-sick');
    sick.mode = 'unavailable';
    const well = await startUpstream(cleanups, 'catalog-well');
    const gateway = await startGateway(
      cleanups,
      { catalog: [sick.endpoint, well.endpoint] },
      { env: PUBLIC },
    );
    // Requests that meet the sick replica first are retried on the other one.
    for (let i = 0; i < 4; i++)
      expect((await gateway.app.inject({ url: '/api/products' })).statusCode).toBe(200);
    expect(sick.hits.length).toBeGreaterThan(0);
    const clients = tracing.spans().filter((span) => span.kind === SpanKind.CLIENT);
    const failed = clients.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(clients).toHaveLength(sick.hits.length + well.hits.length);
    expect(failed).toHaveLength(sick.hits.length);
    expect(failed.every((span) => span.attributes['http.response.status_code'] === 503)).toBe(true);
    const sentToSick = sick.hits.map((hit) => String(hit.headers.traceparent).slice(36, 52)).sort();
    expect(sentToSick).toEqual(failed.map((span) => span.spanContext().spanId).sort());
  });
});
