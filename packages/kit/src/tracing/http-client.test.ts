import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { Agent, fetch, Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tracingInterceptor, withTraceHeaders } from './http-client.js';
import { createTestTracing, type TestTracing } from './test-tracing.js';

let server: Server;
let origin: string;
let seen: IncomingHttpHeaders[];
let tracing: TestTracing;
const pools: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.statusCode = req.url === '/fail' ? 503 : 200;
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tracing = createTestTracing('gateway');
});
afterAll(async () => {
  await tracing.shutdown();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(async () => {
  seen = [];
  tracing.reset();
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
seen = [];

function tracedPool(options?: Parameters<typeof tracingInterceptor>[0]) {
  const pool = new Pool(origin);
  pools.push(pool);
  return pool.compose(tracingInterceptor({ origin, ...options }));
}

/** Runs `fn` inside a new span `parent`; returns the span's context. */
async function inSpan(fn: () => Promise<void>) {
  const parent = trace.getTracer('test').startSpan('parent');
  await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  return parent.spanContext();
}

describe('tracingInterceptor (undici)', () => {
  it('makes a CLIENT span, child of the active span, and sends its traceparent', async () => {
    const pool = tracedPool({ peerService: 'catalog' });
    const parent = await inSpan(async () => {
      const res = await pool.request({
        method: 'GET',
        path: '/items?secret=1',
        headers: { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`, 'x-keep': 'yes' },
      });
      await res.body.dump();
    });
    const [span] = tracing.spansNamed('GET');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(span?.spanContext().traceId).toBe(parent.traceId);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.full': `${origin}/items`,
      'server.address': '127.0.0.1',
      'peer.service': 'catalog',
    });
    // The caller's traceparent is replaced by the client span's.
    expect(seen[0]?.traceparent).toBe(`00-${parent.traceId}-${span?.spanContext().spanId}-01`);
    expect(seen[0]?.['x-keep']).toBe('yes');
  });

  it('marks 4xx/5xx answers and failed connections as errors', async () => {
    const pool = tracedPool();
    await inSpan(async () => {
      await (await pool.request({ method: 'POST', path: '/fail', body: '{}' })).body.dump();
    });
    const failed = tracing.spansNamed('POST')[0];
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('503');

    const dead = new Pool('http://127.0.0.1:1');
    pools.push(dead);
    await inSpan(async () => {
      await expect(
        dead.compose(tracingInterceptor()).request({ method: 'GET', path: '/' }),
      ).rejects.toThrow();
    });
    const refused = tracing.spansNamed('GET')[0];
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused?.attributes['error.type']).toBeDefined();
  });

  it('outside a trace sends the request untouched and makes no span, unless asked to', async () => {
    await (await tracedPool().request({ method: 'GET', path: '/' })).body.dump();
    expect(seen[0]?.traceparent).toBeUndefined();
    expect(tracing.spans()).toEqual([]);

    await (await tracedPool({ requireParent: false }).request({ method: 'GET', path: '/' })).body.dump();
    const root = tracing.spansNamed('GET')[0];
    expect(root?.parentSpanContext).toBeUndefined();
    expect(seen[1]?.traceparent).toContain(root?.spanContext().traceId);
  });

  it('traces fetch through a composed dispatcher', async () => {
    const agent = new Agent();
    pools.push(agent);
    const parent = await inSpan(async () => {
      const res = await fetch(`${origin}/items`, { dispatcher: agent.compose(tracingInterceptor()) });
      await res.text();
    });
    expect(seen[0]?.traceparent).toMatch(new RegExp(`^00-${parent.traceId}-[0-9a-f]{16}-01$`));
    expect(tracing.spansNamed('GET')).toHaveLength(1);
  });
});

describe('withTraceHeaders', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
  const value = fc.stringMatching(/^[ -~]{0,20}$/);
  const traceName = fc.constantFrom('traceparent', 'TraceParent', 'TRACESTATE', 'tracestate');

  it('keeps every other header and leaves exactly the given trace fields, whatever form they come in', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, value),
        fc.array(fc.tuple(traceName, value), { maxLength: 3 }),
        fc.constantFrom('object', 'flat', 'iterable'),
        (plain, stale, form) => {
          const entries = [...Object.entries(plain), ...stale];
          const headers =
            form === 'object'
              ? Object.fromEntries(entries)
              : form === 'flat'
                ? entries.flat()
                : new Map(entries);
          const out = withTraceHeaders(headers, { traceparent: 'tp' });
          const traceKeys = Object.keys(out).filter((key) => /^trace(parent|state)$/i.test(key));
          expect(traceKeys).toEqual(['traceparent']);
          expect(out.traceparent).toBe('tp');
          for (const [key, v] of Object.entries(plain)) {
            if (/^trace(parent|state)$/i.test(key)) continue;
            expect(out[key]).toBe(v);
          }
        },
      ),
    );
  });
});
