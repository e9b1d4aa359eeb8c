import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusMetricsSource } from '../metrics/adapters/prometheus-metrics-source.js';
import { createPromqlEngine } from '../promql/engine.js';
import { prometheusApiPlugin } from '../promql/http-api.js';
import { MemoryQuerier } from '../promql/memory-querier.js';
import { createExemplarStore } from './exemplar-store.js';

const T = 1_700_000_000_000;
const bucket = { __name__: 'latency_seconds_bucket', job: 'api', le: '0.5' };
let app: FastifyInstance;

beforeAll(async () => {
  const querier = new MemoryQuerier([]);
  const exemplars = createExemplarStore();
  exemplars.append(bucket, { labels: { trace_id: 'a1', span_id: 'b1' }, value: 0.25, timestampMs: T + 500 });
  exemplars.append(bucket, {
    labels: { trace_id: 'a2', span_id: 'b2' },
    value: 0.3,
    timestampMs: T + 60_000,
  });
  exemplars.append({ ...bucket, job: 'web' }, { labels: { trace_id: 'w' }, value: 0.1, timestampMs: T });
  app = Fastify();
  await app.register(
    prometheusApiPlugin({ engine: createPromqlEngine({ querier }), querier, now: () => T, exemplars }),
    { prefix: '/prom' },
  );
  await app.ready();
});
afterAll(() => app.close());

const url = (query: string, start: string, end: string) =>
  `/prom/api/v1/query_exemplars?query=${encodeURIComponent(query)}&start=${start}&end=${end}`;

describe('GET|POST /api/v1/query_exemplars', () => {
  it("answers Prometheus's shape: series labels, exemplars with string values and second timestamps", async () => {
    const res = await app.inject({
      method: 'GET',
      url: url('latency_seconds_bucket{job="api"}', '1700000000', '1700000001'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'success',
      data: [
        {
          seriesLabels: bucket,
          exemplars: [{ labels: { trace_id: 'a1', span_id: 'b1' }, value: '0.25', timestamp: 1700000000.5 }],
        },
      ],
    });
  });

  it('takes a form body, every selector of the query, and no bounds as unbounded', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/prom/api/v1/query_exemplars',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `query=${encodeURIComponent('histogram_quantile(0.9, rate(latency_seconds_bucket[5m]))')}`,
    });
    const data = res.json<{ data: { seriesLabels: { job: string }; exemplars: unknown[] }[] }>().data;
    expect(data.map((s) => [s.seriesLabels.job, s.exemplars.length])).toEqual([
      ['api', 2],
      ['web', 1],
    ]);
  });

  it('answers null for a query without selectors and [] when nothing matches', async () => {
    expect((await app.inject({ method: 'GET', url: url('1 + 1', '0', '1') })).json()).toEqual({
      status: 'success',
      data: null,
    });
    expect((await app.inject({ method: 'GET', url: url('nothing_here', '0', '1') })).json()).toEqual({
      status: 'success',
      data: [],
    });
  });

  it('rejects bad PromQL and bad times with 400 bad_data, in the shape of the other routes', async () => {
    const bad = await app.inject({ method: 'GET', url: url('sum(', '0', '1') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      status: 'error',
      errorType: 'bad_data',
      error: '1:5: parse error: unclosed left parenthesis',
      type: 'https://opsloop.dev/problems/promql-bad-data',
    });
    const strict = await app.inject({
      method: 'GET',
      url: url('up', 'yesterday', '1'),
      headers: { accept: 'application/problem+json' },
    });
    expect(strict.statusCode).toBe(400);
    expect(strict.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(strict.json()).toMatchObject({
      status: 400,
      detail: 'invalid parameter "start": cannot parse "yesterday" to a valid timestamp',
    });
    const reversed = await app.inject({ method: 'GET', url: url('up', '10', '1') });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ error: 'end timestamp must not be before start timestamp' });
  });
});

describe('the Prometheus adapter of MetricsSource.queryExemplars', () => {
  it('reads the same answer back over HTTP', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const source = createPrometheusMetricsSource({ baseUrl: `${address}/prom`, timeoutMs: 5_000 });
    expect(await source.queryExemplars('latency_seconds_bucket{job="api"}', T, T + 60_000)).toEqual([
      {
        seriesLabels: bucket,
        exemplars: [
          { labels: { trace_id: 'a1', span_id: 'b1' }, value: 0.25, timestampMs: T + 500 },
          { labels: { trace_id: 'a2', span_id: 'b2' }, value: 0.3, timestampMs: T + 60_000 },
        ],
      },
    ]);
    expect(await source.queryExemplars('vector(1)', T, T + 1)).toEqual([]);
    await expect(source.queryExemplars('sum(', T, T + 1)).rejects.toMatchObject({
      kind: 'bad_data',
      message: '1:5: parse error: unclosed left parenthesis',
    });
  });
});
