import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { traceApiPlugin } from './trace-api.js';
import { createTraceStore, type TraceStore } from './trace-store.js';
import { childContext, createSdkRecorder, hrTime } from './testing/sdk-spans.js';
import { shopTrace, testId } from './testing/span-builder.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function sdkSpans() {
  const sdk = createSdkRecorder();
  const root = sdk.tracer('gateway').startSpan('GET /', { kind: SpanKind.SERVER, startTime: hrTime(T0) });
  sdk
    .tracer('catalog')
    .startSpan('GET /products', { kind: SpanKind.SERVER, startTime: hrTime(T0 + 1) }, childContext(root))
    .end(hrTime(T0 + 5));
  root.end(hrTime(T0 + 10));
  return { spans: sdk.spans(), traceId: root.spanContext().traceId };
}

const jsonSpan = (spanId: string) => ({
  traceId: testId(9, 32),
  spanId,
  name: 'op',
  startTimeUnixNano: String(BigInt(T0) * 1_000_000n),
  endTimeUnixNano: String(BigInt(T0 + 1) * 1_000_000n),
});

describe('trace API', () => {
  let dir: string;
  let store: TraceStore;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trace-api-'));
    store = await createTraceStore({ dir, now: () => T0 });
    app = Fastify();
    await app.register(
      traceApiPlugin({ store, bodyLimit: 64 * 1024, maxInflatedBytes: 256 * 1024, now: () => T0 + 60_000 }),
    );
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (payload: Uint8Array | string, headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: typeof payload === 'string' ? payload : Buffer.from(payload),
      headers,
    });

  it('receives OTLP protobuf and serves the trace back', async () => {
    const { spans, traceId } = sdkSpans();
    const res = await post(ProtobufTraceSerializer.serializeRequest(spans)!, {
      'content-type': 'application/x-protobuf',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload.length).toBe(0);
    const trace = await app.inject({ url: `/api/traces/${traceId}` });
    expect(trace.statusCode).toBe(200);
    const body = trace.json();
    expect(body.spans.map((s: { service: string; name: string }) => `${s.service}:${s.name}`)).toEqual([
      'gateway:GET /',
      'catalog:GET /products',
    ]);
    expect(body.spans[0]).toMatchObject({
      kind: 'server',
      startMs: T0,
      durationMs: 10,
      startTimeUnixNano: String(BigInt(T0) * 1_000_000n),
    });
  });

  it('receives gzip-compressed OTLP/JSON and answers {}', async () => {
    const { spans, traceId } = sdkSpans();
    const res = await post(gzipSync(JsonTraceSerializer.serializeRequest(spans)!), {
      'content-type': 'application/json; charset=utf-8',
      'content-encoding': 'gzip',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(await store.getTrace(traceId)).toHaveLength(2);
  });

  it('reports rejected spans as partial success, in both encodings', async () => {
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [jsonSpan(testId(1, 16)), jsonSpan('')] }] }] };
    const json = await post(JSON.stringify(body), { 'content-type': 'application/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().partialSuccess).toMatchObject({ rejectedSpans: '1' });
    expect(json.json().partialSuccess.errorMessage).toMatch(/span_id/);
    expect(store.stats().spans).toBe(1);
    const { spans } = sdkSpans();
    const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
    // Corrupt the first span id to all zeros: same length, so the request still decodes.
    const spanId = Buffer.from(spans[0]!.spanContext().spanId, 'hex');
    const at = Buffer.from(proto).indexOf(spanId);
    const bad = Buffer.from(proto);
    bad.fill(0, at, at + 8);
    const res = await post(bad, { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode).toBe(200);
    expect(ProtobufTraceSerializer.deserializeResponse(res.rawPayload).partialSuccess?.rejectedSpans).toBe(1);
  });

  it('refuses a malformed request whole: 400 problem, nothing stored', async () => {
    const body = {
      resourceSpans: [
        { scopeSpans: [{ spans: [jsonSpan(testId(1, 16))] }] },
        { scopeSpans: [{ spans: [{ name: 42 }] }] },
      ],
    };
    const res = await post(JSON.stringify(body), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'https://opsloop.dev/problems/otlp-bad-request', status: 400 });
    expect(store.stats().spans).toBe(0);
    for (const [payload, type] of [
      ['{', 'application/json'],
      [Buffer.from([0x0a, 0x05, 0x01]), 'application/x-protobuf'],
    ] as const) {
      expect((await post(payload, { 'content-type': type })).statusCode).toBe(400);
    }
    const notGzip = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(notGzip.json().type).toBe('https://opsloop.dev/problems/otlp-bad-request');
  });

  it('limits body size (413), before and after gzip, and content types (415)', async () => {
    const big = await post(Buffer.alloc(100 * 1024), { 'content-type': 'application/x-protobuf' });
    expect(big.statusCode).toBe(413);
    expect(big.json().type).toBe('https://opsloop.dev/problems/payload-too-large');
    const bomb = await post(gzipSync(Buffer.alloc(1024 * 1024)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(bomb.statusCode).toBe(413);
    expect((await post('x', { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect(
      (await post('{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).statusCode,
    ).toBe(415);
  });

  it('answers 503 (retryable) when the store cannot save', async () => {
    const failing = Fastify();
    await failing.register(
      traceApiPlugin({ store: { ...store, append: () => Promise.reject(new Error('disk full')) } }),
    );
    const res = await failing.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    await failing.close();
  });

  it('searches, lists services and operations, and draws the dependency graph', async () => {
    for (let n = 1; n <= 5; n++)
      await store.append(
        shopTrace({ n, startMs: T0 + n * 1000, paymentsMs: n * 10, paymentsFails: n === 5 }),
      );
    const search = await app.inject({
      url: `/api/traces?service=payments&minDuration=40ms&status=ok&start=${T0}&end=${T0 + 10_000}&limit=2`,
    });
    expect(search.statusCode).toBe(200);
    expect(search.json().traces.map((t: { traceId: string }) => t.traceId)).toEqual([
      testId(4, 32),
      testId(3, 32),
    ]);
    const tagged = await app.inject({
      url: `/api/traces?tags=${encodeURIComponent('{"http.response.status_code":502}')}&start=${T0}`,
    });
    expect(tagged.json().traces.map((t: { traceId: string }) => t.traceId)).toEqual([testId(5, 32)]);
    expect((await app.inject({ url: '/api/services' })).json().services).toContain('payments');
    expect((await app.inject({ url: '/api/services/inventory/operations' })).json()).toEqual({
      service: 'inventory',
      operations: ['inventory.Reserve'],
    });
    const deps = await app.inject({
      url: `/api/dependencies?start=${new Date(T0).toISOString()}&end=${T0 + 10_000}`,
    });
    expect(deps.json().edges.find((e: { child: string }) => e.child === 'payments')).toMatchObject({
      parent: 'checkout',
      calls: 5,
      errors: 1,
    });
  });

  it('validates every parameter (400 validation-failed) and 404s unknown traces', async () => {
    for (const url of [
      '/api/traces?minDuration=fast',
      '/api/traces?limit=0',
      '/api/traces?limit=abc',
      '/api/traces?status=broken',
      '/api/traces?tags=notjson',
      '/api/traces?start=20&end=10',
      '/api/traces?minDuration=2s&maxDuration=1s',
      '/api/traces?unknown=1',
      '/api/traces/not-hex',
      '/api/dependencies?start=yesterday',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().type, url).toBe('https://opsloop.dev/problems/validation-failed');
    }
    const missing = await app.inject({ url: `/api/traces/${testId(77, 32)}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('https://opsloop.dev/problems/resource-not-found');
  });
});
