import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { compress } from 'snappyjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOKI_BAD_PUSH_TYPE, LOKI_BAD_QUERY_TYPE, lokiApiPlugin } from './loki-api.js';
import { createLogStore, type LogStore } from './log-store.js';

const NOW_MS = 1_700_000_100_000;
const T = (seconds: number): string => `${1_700_000_000 + seconds}000000000`; // ns

// A tiny protobuf writer for Loki's PushRequest (the reader under test is separate code).
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const field = (no: number, wire: number): number[] => varint(BigInt(no * 8 + wire));
const bytesField = (no: number, bytes: Uint8Array | number[]): number[] => [
  ...field(no, 2),
  ...varint(BigInt(bytes.length)),
  ...bytes,
];
const stringField = (no: number, text: string): number[] => bytesField(no, [...Buffer.from(text, 'utf8')]);

function pushRequest(
  streams: { labels: string; entries: { seconds: bigint; nanos: number; line: string }[] }[],
): Buffer {
  const out: number[] = [];
  for (const stream of streams) {
    const body = [...stringField(1, stream.labels)];
    for (const e of stream.entries) {
      const ts = [...field(1, 0), ...varint(e.seconds), ...field(2, 0), ...varint(BigInt(e.nanos))];
      body.push(...bytesField(2, [...bytesField(1, ts), ...stringField(2, e.line), ...field(9, 0), 1]));
    }
    out.push(...bytesField(1, body));
  }
  return Buffer.from(out);
}

let dir: string;
let store: LogStore;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loki-api-'));
  store = await createLogStore({ dir, now: () => NOW_MS });
  app = Fastify();
  await app.register(lokiApiPlugin({ store, now: () => NOW_MS }));
});

afterEach(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pushJson = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/loki/api/v1/push',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

const get = (url: string, query: Record<string, string | string[]> = {}) =>
  app.inject({ method: 'GET', url, query });

const SAMPLE = {
  streams: [
    {
      stream: { service: 'orders', instance: 'orders-1' },
      values: [
        [T(1), '{"level":"info","msg":"order placed","status":201}'],
        [T(2), '{"level":"error","msg":"order failed","status":500}'],
      ],
    },
    { stream: { service: 'cart' }, values: [[T(3), 'cart updated', { trace_id: 'x' }]] },
  ],
};

describe('push', () => {
  it('stores a JSON push and answers 204', async () => {
    const res = await pushJson(SAMPLE);
    expect(res.statusCode).toBe(204);
    expect(store.stats().entries).toBe(3);
  });

  it('stores a gzip-encoded JSON push', async () => {
    const res = await pushJson(gzipSync(JSON.stringify(SAMPLE)), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(204);
    expect(store.stats().entries).toBe(3);
  });

  it('stores a protobuf + snappy push (Promtail), nanoseconds exact', async () => {
    const proto = pushRequest([
      {
        labels: '{service="payments", env="prod"}',
        entries: [{ seconds: 1_700_000_001n, nanos: 123_456_789, line: 'paid é' }],
      },
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(compress(new Uint8Array(proto))),
    });
    expect(res.statusCode).toBe(204);
    const streams = await store.queryLogs('{service="payments"}', { start: 0n, end: BigInt(T(100)) });
    expect(streams).toEqual([
      {
        labels: { env: 'prod', service: 'payments' },
        entries: [{ timestampNs: 1_700_000_001_123_456_789n, line: 'paid é' }],
      },
    ]);
  });

  const GOOD = { stream: { service: 'good' }, values: [[T(1), 'ok']] };
  it.each([
    ['not JSON', '{"streams": [', 'invalid JSON body'],
    ['no streams', { foo: 1 }, '"streams" array'],
    ['a bad timestamp', { streams: [GOOD, { stream: { a: 'b' }, values: [['12abc', 'x']] }] }, 'nanoseconds'],
    [
      'a number line',
      { streams: [GOOD, { stream: { a: 'b' }, values: [[T(1), 5]] }] },
      'the line must be a string',
    ],
    ['no labels', { streams: [GOOD, { stream: {}, values: [[T(1), 'x']] }] }, 'at least one label pair'],
    [
      'a bad label name',
      { streams: [GOOD, { stream: { 'a-b': 'c' }, values: [[T(1), 'x']] }] },
      'invalid label name',
    ],
  ])('refuses %s with 400 problem+json and stores nothing of the request', async (_what, body, message) => {
    const res = await pushJson(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json<Record<string, unknown>>();
    expect(problem).toMatchObject({ type: LOKI_BAD_PUSH_TYPE, status: 400 });
    expect(problem['detail']).toContain(message);
    expect(problem['error']).toBe(problem['detail']);
    expect(store.stats().entries).toBe(0); // not even the good stream before the bad one
  });

  it('refuses a corrupt protobuf, bad snappy and bad label strings', async () => {
    const send = (payload: Buffer) =>
      app.inject({
        method: 'POST',
        url: '/loki/api/v1/push',
        headers: { 'content-type': 'application/x-protobuf' },
        payload,
      });
    const bad = [
      Buffer.from('definitely not snappy'),
      Buffer.from(compress(new Uint8Array([0x0a, 0x05, 0x01]))), // truncated field
      Buffer.from(compress(new Uint8Array(pushRequest([{ labels: '{service=~"x"}', entries: [] }])))),
      Buffer.from(compress(new Uint8Array(pushRequest([{ labels: 'service="x"', entries: [] }])))),
    ];
    for (const payload of bad) {
      const res = await send(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ type: LOKI_BAD_PUSH_TYPE });
    }
    expect(store.stats().entries).toBe(0);
  });
});

describe('queries', () => {
  beforeEach(async () => {
    expect((await pushJson(SAMPLE)).statusCode).toBe(204);
  });

  it('query_range returns streams in Loki shape, newest first by default', async () => {
    const res = await get('/loki/api/v1/query_range', {
      query: '{service="orders"}',
      start: T(0),
      end: T(10),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { instance: 'orders-1', level: 'error', service: 'orders' },
            values: [[T(2), '{"level":"error","msg":"order failed","status":500}']],
          },
          {
            stream: { instance: 'orders-1', level: 'info', service: 'orders' },
            values: [[T(1), '{"level":"info","msg":"order placed","status":201}']],
          },
        ],
        stats: {},
      },
    });
  });

  it('query_range with RFC 3339 times, a limit and forward direction', async () => {
    const res = await get('/loki/api/v1/query_range', {
      query: '{service=~"orders|cart"} | line_format "{{.service}}"',
      start: '2023-11-14T22:13:20Z',
      end: '2023-11-14T22:13:30Z',
      limit: '2',
      direction: 'forward',
    });
    const lines = res.json().data.result.flatMap((s: { values: string[][] }) => s.values.map((v) => v[1]));
    expect(lines.sort()).toEqual(['orders', 'orders']);
  });

  it('query_range of a metric query returns a matrix; query returns a vector', async () => {
    const matrix = await get('/loki/api/v1/query_range', {
      query: 'sum by (service) (count_over_time({service=~".+"}[10s]))',
      start: String(1_700_000_000),
      end: String(1_700_000_010),
      step: '5s',
    });
    expect(matrix.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { service: 'cart' },
            values: [
              [1_700_000_005, '1'],
              [1_700_000_010, '1'],
            ],
          },
          {
            metric: { service: 'orders' },
            values: [
              [1_700_000_005, '2'],
              [1_700_000_010, '2'],
            ],
          },
        ],
        stats: {},
      },
    });
    const vector = await get('/loki/api/v1/query', { query: 'rate({service="orders"}[10s])', time: T(10) });
    expect(vector.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          {
            metric: { instance: 'orders-1', level: 'error', service: 'orders' },
            value: [1_700_000_010, '0.1'],
          },
          {
            metric: { instance: 'orders-1', level: 'info', service: 'orders' },
            value: [1_700_000_010, '0.1'],
          },
        ],
        stats: {},
      },
    });
  });

  it('labels, label values and series', async () => {
    expect((await get('/loki/api/v1/labels')).json()).toEqual({
      status: 'success',
      data: ['instance', 'level', 'service'],
    });
    expect((await get('/loki/api/v1/label/service/values')).json()).toEqual({
      status: 'success',
      data: ['cart', 'orders'],
    });
    const series = await get('/loki/api/v1/series', { 'match[]': ['{service="cart"}', '{level="error"}'] });
    expect(series.json()).toEqual({
      status: 'success',
      data: [{ service: 'cart' }, { instance: 'orders-1', level: 'error', service: 'orders' }],
    });
    expect((await get('/ready')).body).toBe('ready');
  });

  it.each([
    ['/loki/api/v1/query_range', { query: '{service=' }, 'parse error at line 1, col 10'],
    ['/loki/api/v1/query_range', {}, 'query parameter is required'],
    ['/loki/api/v1/query_range', { query: '{service="orders"}', limit: '6000' }, 'max entries limit'],
    ['/loki/api/v1/query_range', { query: '{service="orders"}', start: 'yesterday' }, 'invalid start'],
    [
      '/loki/api/v1/query_range',
      { query: 'count_over_time({a="b"}[1m])', start: '0', end: T(0), step: '1' },
      'maximum resolution',
    ],
    [
      '/loki/api/v1/query',
      { query: '{service="orders"}' },
      'log queries are not supported as an instant query',
    ],
    ['/loki/api/v1/series', {}, 'match[]'],
  ])('GET %s %j → 400 problem with Loki message', async (url, query, message) => {
    const res = await get(url, query);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: LOKI_BAD_QUERY_TYPE, status: 400 });
    expect(res.json().detail).toContain(message);
    expect(res.json().error).toContain(message);
  });
});
