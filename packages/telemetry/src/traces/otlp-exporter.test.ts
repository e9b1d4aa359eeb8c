import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { traceApiPlugin } from './trace-api.js';
import { createTraceStore } from './trace-store.js';
import { childContext, createSdkRecorder, hrTime } from './testing/sdk-spans.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('the OpenTelemetry OTLP/HTTP exporter talking to our receiver over a socket', () => {
  it.each([CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP])(
    'exports spans that the store then serves (compression %s)',
    async (compression) => {
      const dir = mkdtempSync(join(tmpdir(), 'otlp-exporter-'));
      const store = await createTraceStore({ dir, now: () => T0 });
      const app = Fastify();
      await app.register(traceApiPlugin({ store }));
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, compression });
      try {
        const sdk = createSdkRecorder();
        const root = sdk
          .tracer('gateway')
          .startSpan('GET /api/cart', { kind: SpanKind.SERVER, startTime: hrTime(T0) });
        sdk
          .tracer('cart')
          .startSpan('GET /cart', { kind: SpanKind.SERVER, startTime: hrTime(T0 + 1) }, childContext(root))
          .end(hrTime(T0 + 4));
        root.end(hrTime(T0 + 5));
        const code = await new Promise<number>((resolve) =>
          exporter.export(sdk.spans(), (result) => resolve(result.code)),
        );
        expect(code).toBe(0); // ExportResultCode.SUCCESS
        const spans = await store.getTrace(root.spanContext().traceId);
        expect(spans?.map((s) => s.name)).toEqual(['GET /api/cart', 'GET /cart']);
      } finally {
        await exporter.shutdown();
        await app.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('answers 413 to an oversized body sent over a socket (the body is drained, not reset)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otlp-exporter-'));
    const store = await createTraceStore({ dir, now: () => T0 });
    const app = Fastify();
    await app.register(traceApiPlugin({ store, bodyLimit: 64 * 1024 }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(2 * 1024 * 1024),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { type: string }).type).toBe(
        'https://opsloop.dev/problems/payload-too-large',
      );
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
