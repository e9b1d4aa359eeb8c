import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPromqlEngine } from './engine.js';
import { prometheusApiPlugin } from './http-api.js';
import { MemoryQuerier } from './memory-querier.js';

const T = 1_700_000_000_000;
const NOW = T + 60_000;

let app: FastifyInstance;

beforeAll(async () => {
  const querier = new MemoryQuerier([
    {
      labels: { __name__: 'up', job: 'api', instance: 'a' },
      samples: Array.from({ length: 5 }, (_, i) => [T + i * 15_000, 1] as const),
    },
    { labels: { __name__: 'up', job: 'web', instance: 'b' }, samples: [[T, 0]] },
    {
      labels: { __name__: 'weird', job: 'api' },
      samples: [
        [T, NaN],
        [T + 15_000, Infinity],
        [T + 30_000, 1.5e-7],
      ],
    },
  ]);
  let tick = 0;
  const engine = createPromqlEngine({
    querier,
    // The slow query below burns a clock tick per step; everything else finishes well inside 1000 ticks.
    now: () => tick++,
    timeoutMs: 100_000,
  });
  app = Fastify();
  await app.register(prometheusApiPlugin({ engine, querier, now: () => NOW }), { prefix: '/prom' });
  await app.ready();
});

afterAll(() => app.close());

async function get(path: string) {
  const response = await app.inject({ method: 'GET', url: `/prom${path}` });
  return { status: response.statusCode, type: response.headers['content-type'], body: response.json() };
}

describe('GET/POST /api/v1/query', () => {
  it('answers an instant vector in Prometheus JSON, timestamps in seconds, values as strings', async () => {
    const res = await get(
      `/api/v1/query?query=${encodeURIComponent('up{job="api"}')}&time=${(T + 30_000) / 1000}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { __name__: 'up', instance: 'a', job: 'api' }, value: [1700000030, '1'] }],
      },
    });
  });

  it('defaults the time to now and prints NaN, +Inf and small numbers like Go', async () => {
    const res = await get(`/api/v1/query?query=weird[1m]`);
    expect(res.body.data).toEqual({
      resultType: 'matrix',
      result: [
        {
          metric: { __name__: 'weird', job: 'api' },
          values: [
            [1700000000, 'NaN'],
            [1700000015, '+Inf'],
            [1700000030, '1.5e-07'],
          ],
        },
      ],
    });
  });

  it('accepts an application/x-www-form-urlencoded body (Grafana POSTs) and RFC 3339 times', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/prom/api/v1/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        query: 'scalar(count(up)) + 0.5',
        time: '2023-11-14T22:13:20.5Z',
      }).toString(),
    });
    expect(response.json()).toEqual({
      status: 'success',
      data: { resultType: 'scalar', result: [1700000000.5, '2.5'] },
    });
  });

  it('answers strings', async () => {
    const res = await get(`/api/v1/query?query=${encodeURIComponent('"hi"')}&time=1700000000.123`);
    expect(res.body.data).toEqual({ resultType: 'string', result: [1700000000.123, 'hi'] });
  });

  it('reports parse errors as 400 problem+json with the position and Prometheus fields', async () => {
    const url = `/prom/api/v1/query?query=${encodeURIComponent('sum(rate(up))')}`;
    const message =
      'invalid parameter "query": 1:10: parse error: expected type range vector in call to function "rate", got instant vector';
    const strict = await app.inject({ method: 'GET', url, headers: { accept: 'application/problem+json' } });
    expect(strict.statusCode).toBe(400);
    expect(strict.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(strict.json()).toEqual({
      type: 'https://opsloop.dev/problems/promql-bad-data',
      title: 'Bad query request',
      status: 400,
      detail: message,
      errorType: 'bad_data',
      error: message,
    });
    // Prometheus's clients (Grafana) get Prometheus's own error shape, with the problem members beside it.
    const res = await get(`/api/v1/query?query=${encodeURIComponent('sum(rate(up))')}`);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      status: 'error',
      errorType: 'bad_data',
      error: message,
      detail: message,
    });
  });

  it('reports bad parameters and execution errors with their statuses', async () => {
    const badTime = await get(`/api/v1/query?query=up&time=yesterday`);
    expect(badTime.status).toBe(400);
    expect(badTime.body.error).toBe(
      'invalid parameter "time": cannot parse "yesterday" to a valid timestamp',
    );
    const exec = await get(`/api/v1/query?query=${encodeURIComponent('up * on() up')}`);
    expect(exec.status).toBe(422);
    expect(exec.body).toMatchObject({
      errorType: 'execution',
      type: 'https://opsloop.dev/problems/promql-execution',
    });
    expect(exec.body.error).toMatch(/many-to-many matching not allowed/);
  });

  it('reports a timeout as 503', async () => {
    const res = await get(`/api/v1/query_range?query=up&start=0&end=100000&step=10&timeout=0.5`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      errorType: 'timeout',
      error: 'query timed out in expression evaluation',
    });
  });
});

describe('/api/v1/query_range', () => {
  it('answers a matrix with steps given in seconds or as a duration', async () => {
    for (const step of ['15', '15s', '15.0']) {
      const res = await get(`/api/v1/query_range?query=sum(up)&start=1700000000&end=1700000030&step=${step}`);
      expect(res.body).toEqual({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: {},
              values: [
                [1700000000, '1'],
                [1700000015, '1'],
                [1700000030, '1'],
              ],
            },
          ],
        },
      });
    }
  });

  it('rejects more than 11,000 points, zero steps and end before start', async () => {
    const many = await get(`/api/v1/query_range?query=up&start=0&end=11001&step=1`);
    expect(many.status).toBe(400);
    expect(many.body.error).toBe(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
    expect((await get(`/api/v1/query_range?query=up&start=0&end=11000&step=1`)).status).toBe(200);
    expect((await get(`/api/v1/query_range?query=up&start=0&end=10&step=0`)).body.error).toMatch(
      /zero or negative/,
    );
    expect((await get(`/api/v1/query_range?query=up&start=10&end=0&step=1`)).body.error).toBe(
      'end timestamp must not be before start time',
    );
    expect((await get(`/api/v1/query_range?query=up[5m]&start=0&end=10&step=1`)).body.error).toBe(
      'invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
  });
});

describe('metadata endpoints', () => {
  it('lists series for one or more match[] selectors', async () => {
    const res = await get(`/api/v1/series?match[]=${encodeURIComponent('up{job="api"}')}&match[]=weird`);
    expect(res.body).toEqual({
      status: 'success',
      data: [
        { __name__: 'up', instance: 'a', job: 'api' },
        { __name__: 'weird', job: 'api' },
      ],
    });
    expect((await get(`/api/v1/series`)).body.error).toBe('no match[] parameter provided');
    expect((await get(`/api/v1/series?match[]=rate(up[1m])`)).status).toBe(400);
  });

  it('lists label names and values, optionally filtered and bounded in time', async () => {
    expect((await get(`/api/v1/labels`)).body.data).toEqual(['__name__', 'instance', 'job']);
    expect((await get(`/api/v1/labels?match[]=weird`)).body.data).toEqual(['__name__', 'job']);
    expect((await get(`/api/v1/label/job/values`)).body.data).toEqual(['api', 'web']);
    expect((await get(`/api/v1/label/job/values?start=1700000010`)).body.data).toEqual(['api']);
    expect(
      (await get(`/api/v1/label/__name__/values?match[]=${encodeURIComponent('{job="web"}')}`)).body.data,
    ).toEqual(['up']);
    expect((await get(`/api/v1/label/bad-name/values`)).status).toBe(400);
  });

  it('answers buildinfo (Grafana probes it) and empty metadata', async () => {
    expect((await get(`/api/v1/status/buildinfo`)).body).toMatchObject({
      status: 'success',
      data: { version: '2.42.0' },
    });
    expect((await get(`/api/v1/metadata`)).body).toEqual({ status: 'success', data: {} });
  });
});
