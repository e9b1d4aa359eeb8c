import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, type Service } from '../service.js';
import { createTestTracing, type TestTracing } from './test-tracing.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

let tracing: TestTracing;
let service: Service | undefined;
let lines: string[];
/** Releases requests held by the `/held` routes' preHandler, from outside their context. */
const gate = new EventEmitter();

beforeEach(() => {
  tracing = createTestTracing('orders');
  lines = [];
});
afterEach(async () => {
  await service?.shutdown('test');
  service = undefined;
  await tracing.shutdown();
});

const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

async function start(): Promise<Service> {
  service = await createService({
    name: 'orders',
    version: '1.0.0',
    env: { LOG_LEVEL: 'info' },
    logDestination: { write: (line: string) => void lines.push(line) },
    setup({ app }) {
      app.get('/orders/:id', async (request) => {
        await new Promise((resolve) => setImmediate(resolve));
        // Work in the handler, after an await, is a child of the request's span.
        trace.getTracer('test').startSpan('load order').end();
        request.log.info('loading');
        return { id: (request.params as { id: string }).id };
      });
      app.post('/orders', (request) => {
        trace.getTracer('test').startSpan('place order').end();
        return { received: request.body };
      });
      app.post('/orders/reject', async () => {
        await Promise.resolve();
        throw new Error('cannot place');
      });
      app.get('/boom', () => {
        throw new Error('kaboom');
      });
      app.get('/boom-later', async () => {
        await Promise.resolve();
        throw new Error('kaboom later');
      });
      app.get('/missing', async (_request, reply) => reply.code(404).send({ nope: true }));
      app.get('/quiet', { config: { trace: false } }, () => ({ ok: true }));
      // A hook that resumes the request from another context (a queue, a shared emitter): the handler and
      // what Fastify does after it must still run in the request's span.
      const held = (_request: unknown, _reply: unknown, done: () => void) => void gate.once('go', done);
      app.get('/held', { preHandler: held }, async (request) => {
        await Promise.resolve();
        trace.getTracer('test').startSpan('held work').end();
        request.log.info('held handler');
        return { ok: true };
      });
      app.get('/held/fail', { preHandler: held }, async () => {
        await Promise.resolve();
        throw new Error('held failure');
      });
    },
  });
  return service;
}

describe('HTTP server tracing', () => {
  it('makes one SERVER span per request, named by method and route template, with HTTP attributes', async () => {
    const app = (await start()).app;
    const res = await app.inject({
      method: 'GET',
      url: '/orders/42?verbose=1',
      headers: { 'user-agent': 'tester/1' },
    });
    expect(res.statusCode).toBe(200);
    const [span, ...others] = tracing.spansNamed('GET /orders/:id');
    expect(others).toHaveLength(0);
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'url.path': '/orders/42',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'user_agent.original': 'tester/1',
      'server.address': 'localhost',
    });
    expect(span?.resource.attributes['service.name']).toBe('orders');
  });

  it('continues the caller’s trace from traceparent, and keeps tracestate', async () => {
    const app = (await start()).app;
    await app.inject({
      method: 'GET',
      url: '/orders/1',
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'vendor=abc' },
    });
    const span = tracing.spansNamed('GET /orders/:id')[0];
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span?.parentSpanContext?.isRemote).toBe(true);
    expect(span?.spanContext().traceState?.get('vendor')).toBe('abc');
  });

  it('starts a new trace when traceparent is missing or invalid', async () => {
    const app = (await start()).app;
    await app.inject({ method: 'GET', url: '/orders/1', headers: { traceparent: 'garbage' } });
    const span = tracing.spansNamed('GET /orders/:id')[0];
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes the span active in the handler: spans created there are its children', async () => {
    const app = (await start()).app;
    await app.inject({ method: 'GET', url: '/orders/7' });
    await app.inject({ method: 'POST', url: '/orders', payload: { sku: 'a' } });
    for (const [child, parent] of [
      ['load order', 'GET /orders/:id'],
      ['place order', 'POST /orders'],
    ] as const) {
      const server = tracing.spansNamed(parent)[0];
      const nested = tracing.spansNamed(child)[0];
      expect(server, parent).toBeDefined();
      expect(nested?.parentSpanContext?.spanId, child).toBe(server?.spanContext().spanId);
      expect(nested?.spanContext().traceId).toBe(server?.spanContext().traceId);
    }
  });

  it('keeps the span active for a body read from a real socket, and for the error handler after it', async () => {
    const url = await (await start()).listen();
    const post = async (path: string) => {
      const res = await request(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Sent after the headers: the body's events come from the socket, outside the onRequest hook.
        body: Readable.from(
          (async function* () {
            await new Promise((resolve) => setImmediate(resolve));
            yield '{"sku":"a"}';
          })(),
        ),
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await post('/orders')).toBe(200);
    expect(await post('/orders/reject')).toBe(500);
    const server = tracing.spansNamed('POST /orders')[0];
    expect(tracing.spansNamed('place order')[0]?.parentSpanContext?.spanId).toBe(
      server?.spanContext().spanId,
    );
    const failed = tracing.spansNamed('POST /orders/reject')[0]!.spanContext();
    const logged = records().filter((r) => r.trace_id === failed.traceId);
    expect(logged.map((r) => r.msg)).toEqual(['request failed', 'request served']);
  });

  it('keeps the span for a handler resumed from outside the request’s context, and for its error handler', async () => {
    const app = (await start()).app;
    const ok = app.inject({ method: 'GET', url: '/held' });
    const failed = app.inject({ method: 'GET', url: '/held/fail' });
    while (gate.listenerCount('go') < 2) await new Promise((resolve) => setImmediate(resolve));
    context.with(ROOT_CONTEXT, () => gate.emit('go'));
    expect((await ok).statusCode).toBe(200);
    expect((await failed).statusCode).toBe(500);
    const server = tracing.spansNamed('GET /held')[0]!.spanContext();
    expect(tracing.spansNamed('held work')[0]?.parentSpanContext?.spanId).toBe(server.spanId);
    const failure = tracing.spansNamed('GET /held/fail')[0]!.spanContext();
    for (const [span, messages] of [
      [server, ['held handler', 'request served']],
      [failure, ['request failed', 'request served']],
    ] as const) {
      expect(
        records()
          .filter((r) => r.span_id === span.spanId)
          .map((r) => r.msg),
      ).toEqual(messages);
    }
  });

  it('sets status ERROR and records the exception for 5xx, not for 4xx', async () => {
    const app = (await start()).app;
    expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/boom-later' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/missing' })).statusCode).toBe(404);
    for (const name of ['GET /boom', 'GET /boom-later']) {
      const span = tracing.spansNamed(name)[0];
      expect(span?.status.code, name).toBe(SpanStatusCode.ERROR);
      expect(span?.attributes['error.type']).toBe('500');
      expect(span?.events.map((event) => event.name)).toEqual(['exception']);
    }
    const notFound = tracing.spansNamed('GET /missing')[0];
    expect(notFound?.status.code).toBe(SpanStatusCode.UNSET);
    expect(notFound?.attributes['http.response.status_code']).toBe(404);
  });

  it('names an unrouted request by its method alone, without http.route', async () => {
    const app = (await start()).app;
    expect((await app.inject({ method: 'GET', url: '/no/such/route' })).statusCode).toBe(404);
    const span = tracing.spansNamed('GET')[0];
    expect(span?.attributes['http.route']).toBeUndefined();
    expect(span?.attributes['url.path']).toBe('/no/such/route');
  });

  it('does not trace the probes, /metrics, or routes with config.trace false', async () => {
    const app = (await start()).app;
    for (const url of ['/livez', '/readyz', '/metrics', '/quiet'])
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    expect(tracing.spans()).toEqual([]);
  });

  it('puts trace_id and span_id of the request on its log lines, also on the error handler’s', async () => {
    const app = (await start()).app;
    await app.inject({ method: 'GET', url: '/orders/1' });
    await app.inject({ method: 'GET', url: '/boom' });
    await app.inject({ method: 'GET', url: '/boom-later' });
    for (const [name, messages] of [
      ['GET /orders/:id', ['loading', 'request served']],
      ['GET /boom', ['request failed', 'request served']],
      ['GET /boom-later', ['request failed', 'request served']],
    ] as const) {
      const span = tracing.spansNamed(name)[0]!.spanContext();
      const logged = records().filter((r) => r.trace_id === span.traceId);
      expect(logged.map((r) => r.msg)).toEqual(messages);
      for (const record of logged) expect(record.span_id).toBe(span.spanId);
    }
    // Lines outside requests carry no trace.
    service?.log.info('outside');
    expect(records().find((r) => r.msg === 'outside')).not.toHaveProperty('trace_id');
  });

  it('leaves no span active once the request is done', async () => {
    const app = (await start()).app;
    await app.inject({ method: 'GET', url: '/orders/1' });
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});
