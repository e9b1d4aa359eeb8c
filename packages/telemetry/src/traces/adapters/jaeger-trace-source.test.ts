import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, withStatus, type FixtureServer } from '../testing/fixture-server.js';
import { TraceBackendError } from './http-json.js';
import { createJaegerTraceSource } from './jaeger-trace-source.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
const TRACE_ID = '5b8aa5a2d2c872e8321cf37308d69df2';

describe('Jaeger adapter against documented response shapes', () => {
  let server: FixtureServer;
  const source = () =>
    createJaegerTraceSource({ baseUrl: server.url, headers: { authorization: 'Bearer t' } });

  beforeAll(async () => {
    const app = Fastify();
    app.get('/api/services', () => fixture('jaeger-services.json'));
    app.get('/api/services/:service/operations', () => fixture('jaeger-operations.json'));
    app.get<{ Querystring: { service?: string } }>('/api/traces', (req, reply) =>
      req.query.service === 'broken'
        ? withStatus(reply, 400, fixture('jaeger-bad-request.json'))
        : fixture('jaeger-traces.json'),
    );
    app.get<{ Params: { id: string } }>('/api/traces/:id', (req, reply) => {
      if (req.params.id === TRACE_ID) {
        const all = fixture('jaeger-traces.json') as { data: unknown[] };
        return { ...all, data: [all.data[0]] };
      }
      return withStatus(reply, 404, fixture('jaeger-trace-not-found.json'));
    });
    app.get('/api/dependencies', () => fixture('jaeger-dependencies.json'));
    app.get('/broken/api/services', () => ({
      data: null,
      errors: [{ code: 500, msg: 'storage down' }],
    }));
    server = await startFixtureServer(app);
  });
  afterAll(() => server.close());

  it('lists services and operations, sorted, encoding the service in the path', async () => {
    expect(await source().services()).toEqual(['driver', 'frontend', 'redis']);
    expect(await source().operations('my svc/1')).toEqual([
      'HTTP GET /config',
      'HTTP GET /dispatch',
      'HTTP GET: /customer',
    ]);
    expect(server.requests.at(-1)!.path).toBe('/api/services/my%20svc%2F1/operations');
  });

  it('translates a trace: kind, status, scope, parent, events and resource from Jaeger tags', async () => {
    const spans = (await source().getTrace(TRACE_ID.toUpperCase()))!;
    expect(spans.map((s) => s.spanId)).toEqual(['051581bf3cb55c13', '5b8aa5a2d2c872e8']);
    const [root, child] = spans as [NonNullable<typeof spans>[0], NonNullable<typeof spans>[0]];
    expect(root).toMatchObject({
      kind: 'server',
      name: 'HTTP GET /dispatch',
      startTimeUnixNano: 1684778327699392000n,
      endTimeUnixNano: 1684778328405392000n,
      scope: { name: 'frontend-http' },
      status: { code: 'unset' },
      flags: 1,
    });
    expect({ ...root.attributes }).toEqual({ 'http.route': '/dispatch', 'http.response.status_code': 200 });
    expect({ ...root.resource }).toEqual({ 'service.name': 'frontend', 'service.version': '1.0.0' });
    expect(child).toMatchObject({
      parentSpanId: '051581bf3cb55c13',
      kind: 'client',
      status: { code: 'error', message: 'redis timeout' },
    });
    expect({ ...child.attributes }).toEqual({ 'peer.service': 'redis', 'retry.ratio': 0.5 });
    expect(child.events).toEqual([
      {
        timeUnixNano: 1684778327800000000n,
        name: 'retrying',
        attributes: expect.objectContaining({ attempt: 2 }),
      },
    ]);
    expect(await source().getTrace('ffffffffffffffffffffffffffffffff')).toBeNull();
  });

  it('searches with Jaeger parameters and summarises the traces it gets back', async () => {
    // One span (driver's FindDriverIDs) must meet service, operation, tags and error status together.
    const start = 1684778000000;
    const found = await source().findTraces({
      service: 'driver',
      operation: 'FindDriverIDs',
      status: 'error',
      attributes: { 'peer.service': 'redis' },
      start,
      end: start + 3_600_000,
      limit: 5,
    });
    const request = server.requests.filter((r) => r.path === '/api/traces').at(-1)!;
    expect(request.query).toEqual({
      service: 'driver',
      operation: 'FindDriverIDs',
      tags: JSON.stringify({ 'peer.service': 'redis', error: 'true' }),
      start: String(start * 1000),
      end: String((start + 3_600_000 + 60_000) * 1000),
      limit: '20',
    });
    expect(found).toEqual([
      {
        traceId: TRACE_ID,
        rootService: 'frontend',
        rootOperation: 'HTTP GET /dispatch',
        startMs: 1684778327699.392,
        durationMs: 706,
        spanCount: 2,
        errorCount: 1,
        error: true,
        services: ['driver', 'frontend'],
      },
    ]);
    const frontendErrors = await source().findTraces({
      service: 'frontend',
      status: 'error',
      start,
      end: start + 3_600_000,
      limit: 5,
    });
    expect(frontendErrors).toEqual([]);
  });

  it('searches every service when none is given, pads 64-bit ids, and checks trace-level filters itself', async () => {
    const before = server.requests.length;
    const found = await source().findTraces({
      start: 1684778000000,
      end: 1684779000000,
      limit: 10,
      maxDurationMs: 2,
    });
    const searched = server.requests
      .slice(before)
      .filter((r) => r.path === '/api/traces')
      .map((r) => r.query.service);
    expect(searched).toEqual(['driver', 'frontend', 'redis']);
    expect(found.map((s) => s.traceId)).toEqual(['0000000000000000321cf37308d69df2']);
  });

  it('reads the dependency graph: call counts only', async () => {
    const graph = await source().dependencies({ start: 1_000_000, end: 1_600_000 });
    expect(server.requests.at(-1)!.query).toEqual({ endTs: '1600000', lookback: '600000' });
    expect(graph.edges).toEqual([
      {
        parent: 'driver',
        child: 'redis',
        calls: 1440,
        errors: null,
        p50Ms: null,
        p99Ms: null,
        ratePerSecond: 2.4,
      },
      {
        parent: 'frontend',
        child: 'customer',
        calls: 120,
        errors: null,
        p50Ms: null,
        p99Ms: null,
        ratePerSecond: 0.2,
      },
      {
        parent: 'frontend',
        child: 'driver',
        calls: 120,
        errors: null,
        p50Ms: null,
        p99Ms: null,
        ratePerSecond: 0.2,
      },
    ]);
    expect(graph.nodes.map((n) => n.service)).toEqual(['customer', 'driver', 'frontend', 'redis']);
  });

  it('turns backend errors into TraceBackendError', async () => {
    await expect(source().findTraces({ service: 'broken', start: 0, end: 1, limit: 1 })).rejects.toThrow(
      TraceBackendError,
    );
    await expect(createJaegerTraceSource({ baseUrl: `${server.url}/broken` }).services()).rejects.toThrow(
      /storage down/,
    );
    await expect(createJaegerTraceSource({ baseUrl: 'http://127.0.0.1:1' }).services()).rejects.toThrow(
      TraceBackendError,
    );
  });
});
