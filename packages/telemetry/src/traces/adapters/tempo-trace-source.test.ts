import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, withStatus, type FixtureServer } from '../testing/fixture-server.js';
import { TraceBackendError } from './http-json.js';
import { createTempoTraceSource } from './tempo-trace-source.js';
import { toTraceQL, traceqlAttribute, traceqlString } from './traceql.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
const TRACE_ID = '2f3e0cee77ae5dc9c17ade3689eb2e54';
const START_MS = 1684778327699.392;

describe('Tempo adapter against documented response shapes', () => {
  let server: FixtureServer;
  const source = (mode: 'traceql' | 'tags' = 'traceql') =>
    createTempoTraceSource({ baseUrl: server.url, mode, headers: { 'x-scope-orgid': 'shop' } });

  beforeAll(async () => {
    const app = Fastify();
    app.get('/api/search', () => fixture('tempo-search.json'));
    app.get<{ Params: { id: string } }>('/api/traces/:id', (req, reply) =>
      req.params.id === TRACE_ID ? fixture('tempo-trace.json') : withStatus(reply, 404, 'trace not found'),
    );
    app.get('/api/search/tag/service.name/values', () => fixture('tempo-tag-values.json'));
    app.get('/api/v2/search/tag/name/values', () => fixture('tempo-tag-values-v2.json'));
    app.get('/broken/api/search/tag/service.name/values', (_req, reply) =>
      withStatus(reply, 502, 'upstream'),
    );
    server = await startFixtureServer(app);
  });
  afterAll(() => server.close());

  it('lists services and (filtered) operations, sorted', async () => {
    expect(await source().services()).toEqual(['auth-service', 'billing', 'shop-backend']);
    expect(await source().operations('shop-backend')).toEqual(['GET /health', 'update-billing']);
    expect(server.requests.at(-1)!.query).toEqual({ q: '{ resource.service.name = "shop-backend" }' });
  });

  it('reads a trace from OTLP protobuf JSON (base64 ids, enum names, int64 strings)', async () => {
    const spans = (await source().getTrace(TRACE_ID))!;
    expect(spans.map((s) => [s.spanId, s.parentSpanId, s.kind, s.status.code])).toEqual([
      ['0f7e6a94e2b81c3d', undefined, 'server', 'error'],
      ['563d623c76514f8e', '0f7e6a94e2b81c3d', 'internal', 'error'],
    ]);
    expect({ ...spans[0]!.attributes }).toEqual({
      'http.route': '/billing',
      'http.response.status_code': 500,
      retry: false,
    });
    expect(spans[0]!.resource['service.version']).toBe('1.4.0');
    expect(spans[0]!.scope).toEqual({ name: '@opentelemetry/instrumentation-http', version: '0.57.0' });
    expect({ ...spans[1]!.attributes }).toEqual({ amount: 12.5, tags: ['a', 'b'] });
    expect(spans[1]!.events[0]).toMatchObject({ name: 'exception', timeUnixNano: 1684778328000000000n });
    expect(await source().getTrace('d6e9329d67b6146a')).toBeNull();
  });

  it('searches with TraceQL and epoch seconds, then summarises each hit from its trace', async () => {
    const query = {
      service: 'billing',
      status: 'error' as const,
      start: 1684778000000.5,
      end: 1684778400000.5,
      limit: 5,
    };
    const found = await source().findTraces(query);
    expect(server.requests.find((r) => r.path === '/api/search')!.query).toEqual({
      q: '{ resource.service.name = "billing" && status = error } with (most_recent=true)',
      start: '1684778000',
      end: '1684778401',
      limit: '10',
    });
    expect(server.requests.some((r) => r.path === '/api/traces/0000000000000000d6e9329d67b6146a')).toBe(true);
    expect(found).toEqual([
      {
        traceId: TRACE_ID,
        rootService: 'shop-backend',
        rootOperation: 'update-billing',
        startMs: START_MS,
        durationMs: 557,
        spanCount: 2,
        errorCount: 2,
        error: true,
        services: ['billing', 'shop-backend'],
      },
    ]);
    // What TraceQL cannot say is checked on the fetched trace: this one has errors, so "ok" drops it.
    expect(await source().findTraces({ ...query, service: undefined, status: 'ok' })).toEqual([]);
  });

  it('speaks the older tag search when asked to', async () => {
    const before = server.requests.length;
    await source('tags').findTraces({
      service: 'billing',
      attributes: { amount: '12.5' },
      minDurationMs: 100,
      start: 0,
      end: 1e13,
      limit: 3,
    });
    expect(server.requests.slice(before).find((r) => r.path === '/api/search')!.query).toEqual({
      tags: 'service.name=billing amount=12.5',
      minDuration: '100000us',
      start: '0',
      end: '10000000000',
      limit: '6',
    });
  });

  it('derives the dependency graph from the traces of the range', async () => {
    const graph = await source().dependencies({ start: 1684778000000, end: 1684778400000 });
    expect(graph.edges).toEqual([
      {
        parent: 'shop-backend',
        child: 'billing',
        calls: 1,
        errors: 1,
        p50Ms: 446.98,
        p99Ms: 446.98,
        ratePerSecond: 1 / 400,
      },
    ]);
  });

  it('turns backend failures into TraceBackendError', async () => {
    await expect(createTempoTraceSource({ baseUrl: `${server.url}/broken` }).services()).rejects.toThrow(
      TraceBackendError,
    );
  });
});

describe('TraceQL builder', () => {
  it('puts every single-span condition in one spanset, escaping strings and odd attribute names', () => {
    expect(
      toTraceQL(
        {
          service: 'a"b',
          operation: 'GET \\x',
          attributes: { 'http.route': '/x', 'my key': 'v', code: '502' },
          minDurationMs: 1.5,
          maxDurationMs: 2000,
          start: 0,
          end: 1,
          limit: 1,
        },
        false,
      ),
    ).toBe(
      '{ resource.service.name = "a\\"b" && name = "GET \\\\x" && .http.route = "/x" && ."my key" = "v" && (.code = "502" || .code = 502) && traceDuration >= 1500us && traceDuration <= 2000000us }',
    );
    expect(toTraceQL({ start: 0, end: 1, limit: 1 }, true)).toBe('{ } with (most_recent=true)');
    expect(traceqlString('x')).toBe('"x"');
    expect(traceqlAttribute('k8s.pod/name')).toBe('.k8s.pod/name');
  });
});
