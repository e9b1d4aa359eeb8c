import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { InMemorySpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createService } from '../service.js';
import { createTracing, currentTracing, type Tracing } from './create-tracing.js';
import { createTracingErrorReporter } from './error-reporter.js';
import { contextFromHeaders } from './propagation.js';
import { samplerFromConfig, tracingFromConfig } from './tracing-from-config.js';

const IDENTITY = { service: 'cart', version: '2.0.0', instance: 'cart-1' };
const created: Tracing[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((tracing) => tracing.shutdown()));
});

function track(tracing: Tracing | undefined): Tracing | undefined {
  if (tracing !== undefined) created.push(tracing);
  return tracing;
}

function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    ...IDENTITY,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

const endSpan = (name: string) => trace.getTracer('test').startSpan(name).end();

describe('createTracing', () => {
  it('registers a global provider whose spans carry the service resource', () => {
    const exporter = new InMemorySpanExporter();
    track(createTracing({ ...IDENTITY, exporter }));
    endSpan('work');
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'cart',
      'service.version': '2.0.0',
      'service.instance.id': 'cart-1',
    });
  });

  it('replaces an earlier registration; shutting the earlier one down leaves the new one in place', async () => {
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    const old = createTracing({ ...IDENTITY, exporter: first });
    const current = track(createTracing({ ...IDENTITY, exporter: second }));
    await old.shutdown();
    expect(currentTracing()).toBe(current);
    endSpan('after');
    expect(first.getFinishedSpans()).toEqual([]);
    expect(second.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
  });

  it('unregisters itself on shutdown: the API is a no-op again', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ ...IDENTITY, exporter });
    await tracing.shutdown();
    expect(currentTracing()).toBeUndefined();
    const span = trace.getTracer('test').startSpan('later');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('bounds shutdown by its timeout when the exporter hangs', async () => {
    const hanging: SpanExporter = {
      export: () => {},
      shutdown: () => new Promise(() => {}),
    };
    const tracing = createTracing({ ...IDENTITY, exporter: hanging });
    await tracing.shutdown(20);
    expect(currentTracing()).toBeUndefined();
  });

  it('reports failed exports in the log, once, and never throws', async () => {
    const { log, lines } = memoryLog();
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('collector down') }),
      shutdown: async () => {},
    };
    const tracing = track(createTracing({ ...IDENTITY, exporter: failing, log }))!;
    for (let i = 0; i < 5; i++) endSpan(`s${i}`);
    await tracing.forceFlush();
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.problem).toContain('collector down');
  });

  it('exports OTLP/HTTP protobuf to the endpoint in batches', async () => {
    const received: { path: string | undefined; type: string | undefined; bytes: number }[] = [];
    const collector: Server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], bytes });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const port = (collector.address() as AddressInfo).port;
      const endpoint = `http://127.0.0.1:${port}/v1/traces`;
      const tracing = track(createTracing({ ...IDENTITY, endpoint }))!;
      endSpan('one');
      endSpan('two');
      await tracing.forceFlush(5_000);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ path: '/v1/traces', type: 'application/x-protobuf' });
      expect(received[0]?.bytes).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it('drops spans it cannot export to an unreachable endpoint, with one warning', async () => {
    const { log, lines } = memoryLog();
    const endpoint = 'http://127.0.0.1:1/v1/traces';
    const tracing = track(createTracing({ ...IDENTITY, endpoint, log, exportTimeoutMs: 300 }))!;
    endSpan('lost');
    await tracing.forceFlush(5_000);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });
});

describe('tracing from the OTEL_* variables', () => {
  const SAMPLED_PARENT = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };

  it('parentbased_traceidratio 0 samples no new trace but follows a sampled caller', () => {
    const exporter = new InMemorySpanExporter();
    const sampler = samplerFromConfig({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 0,
    });
    track(createTracing({ ...IDENTITY, exporter, sampler }));
    const tracer = trace.getTracer('test');
    const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
    const child = tracer.startSpan('child', {}, contextFromHeaders(SAMPLED_PARENT));
    expect(root.isRecording()).toBe(false);
    expect(child.isRecording()).toBe(true);
    // An unsampled span still has ids, for logs and for the traceparent sent on.
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('always_off records nothing', () => {
    const sampler = samplerFromConfig({ OTEL_TRACES_SAMPLER: 'always_off' });
    track(createTracing({ ...IDENTITY, sampler }));
    expect(trace.getTracer('test').startSpan('x', {}, contextFromHeaders(SAMPLED_PARENT)).isRecording()).toBe(
      false,
    );
  });

  it('OTEL_SDK_DISABLED=true registers nothing', () => {
    expect(tracingFromConfig({ OTEL_SDK_DISABLED: true }, IDENTITY)).toBeUndefined();
    expect(currentTracing()).toBeUndefined();
  });

  it('without an endpoint records nothing but gives ids: the caller’s trace, a new span, its sampled flag', () => {
    track(tracingFromConfig({}, IDENTITY));
    const tracer = trace.getTracer('test');
    const child = tracer.startSpan('x', {}, contextFromHeaders({ ...SAMPLED_PARENT, tracestate: 'shop=1' }));
    expect(child.isRecording()).toBe(false);
    expect(child.spanContext()).toMatchObject({ traceId: 'a'.repeat(32), traceFlags: 1 });
    expect(child.spanContext().spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    expect(child.spanContext().traceState?.serialize()).toBe('shop=1');
    const unsampled = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
    expect(
      tracer.startSpan('y', {}, contextFromHeaders({ traceparent: unsampled })).spanContext().traceFlags,
    ).toBe(0);
    const root = tracer.startSpan('z', {}, ROOT_CONTEXT).spanContext();
    expect(root.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(root.traceFlags).toBe(1);
    expect(tracer.startActiveSpan('w', (span) => trace.getActiveSpan() === span)).toBe(true);
  });

  it('without an endpoint a root follows the sampler (always_off: not sampled)', () => {
    track(tracingFromConfig({ OTEL_TRACES_SAMPLER: 'always_off' }, IDENTITY));
    expect(trace.getTracer('test').startSpan('z', {}, ROOT_CONTEXT).spanContext().traceFlags).toBe(0);
  });
});

describe('a service and its tracing', () => {
  it('without an endpoint still logs the caller’s trace id and a span id of its own', async () => {
    const lines: string[] = [];
    const service = await createService({
      name: 'cart',
      version: '1',
      env: {},
      logDestination: { write: (line: string) => void lines.push(line) },
      setup({ app }) {
        app.get('/x', (request) => {
          request.log.info('inside');
          return {};
        });
      },
    });
    try {
      const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
      await service.app.inject({ url: '/x', headers: { traceparent } });
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const inside = records.find((r) => r.msg === 'inside');
      const served = records.find((r) => r.msg === 'request served');
      expect(inside?.trace_id).toBe('a'.repeat(32));
      expect(inside?.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(inside?.span_id).not.toBe('b'.repeat(16));
      expect(served?.span_id).toBe(inside?.span_id);
    } finally {
      await service.shutdown('test');
    }
  });

  it('creates and owns tracing when none is registered, and shuts it down with itself', async () => {
    const service = await createService({ name: 'cart', version: '1', env: {}, setup: () => {} });
    expect(currentTracing()).toBeDefined();
    await service.shutdown('test');
    expect(currentTracing()).toBeUndefined();
  });

  it('with OTEL_SDK_DISABLED=true makes no spans and logs no ids', async () => {
    const lines: string[] = [];
    const service = await createService({
      name: 'cart',
      version: '1',
      env: { OTEL_SDK_DISABLED: 'true' },
      logDestination: { write: (line: string) => void lines.push(line) },
      setup({ app }) {
        app.get('/x', (request) => {
          request.log.info('inside');
          return { active: trace.getSpan(context.active()) !== undefined };
        });
      },
    });
    try {
      expect(currentTracing()).toBeUndefined();
      expect((await service.app.inject({ method: 'GET', url: '/x' })).json()).toEqual({ active: false });
      const inside = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((r) => r.msg === 'inside');
      expect(inside).not.toHaveProperty('trace_id');
    } finally {
      await service.shutdown('test');
    }
  });
});

describe('createTracingErrorReporter', () => {
  it('logs the first problem, then at most one line per interval with the count suppressed', () => {
    const { log, lines } = memoryLog();
    let now = 0;
    const reporter = createTracingErrorReporter({ log, now: () => now, intervalMs: 1000 });
    reporter.report(new Error('a'));
    now = 500;
    reporter.report(new Error('b'));
    reporter.report('c');
    now = 1600;
    reporter.report(new Error('d'));
    expect(reporter.count).toBe(4);
    expect(lines.map((line) => [line.problem, line.suppressed])).toEqual([
      ['Error: a', 0],
      ['Error: d', 2],
    ]);
  });
});
