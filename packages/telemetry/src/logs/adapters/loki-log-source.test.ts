// The Loki adapter against response bodies and error answers written from Loki's API documentation.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogqlParseError } from '../logql-parse-error.js';
import { startLokiFixture, type FixtureAnswer, type LokiFixture } from '../testing/loki-fixture-server.js';
import { LogSourceUnavailableError, LokiRequestError, LokiResponseError } from './loki-errors.js';
import { createLokiLogSource } from './loki-log-source.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const START = 1569266400000000000n;
const END = 1569266500000000000n;
const BAD_QUERY = '{job="varlogs" |= "x"';
const PARSE_MESSAGE = 'parse error at line 1, col 16: syntax error: unexpected |=, expecting } or ,';

/** Answers by path, and by query for the error cases. */
function answer(path: string, params: URLSearchParams): FixtureAnswer | undefined {
  const query = params.get('query') ?? '';
  if (query === BAD_QUERY) return { status: 400, text: PARSE_MESSAGE };
  if (query.startsWith('empty selector')) {
    const text =
      'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will work';
    return { status: 400, text };
  }
  if (query === 'too many') {
    const text = 'max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)';
    return { status: 400, text };
  }
  if (query === 'overloaded') return { status: 429, text: 'too many outstanding requests' };
  if (query === 'failing')
    return { status: 500, text: 'rpc error: code = Unavailable desc = connection refused' };
  if (query === 'hang') return 'hang';
  if (query === 'not json') return { text: '<html>gateway</html>' };
  if (query === 'error status') return { json: { status: 'error', data: null } };
  if (query === 'numeric ts') {
    return {
      json: {
        status: 'success',
        data: { resultType: 'streams', result: [{ stream: {}, values: [[1, 'x']] }] },
      },
    };
  }
  if (query === 'bad value') {
    return {
      json: {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'fast'] }] },
      },
    };
  }
  if (path === '/loki/api/v1/query' && query.startsWith('{')) {
    return {
      status: 400,
      text: 'log queries are not supported as an instant query type, please change your query to a range query type',
    };
  }
  if (path === '/loki/api/v1/query') return { json: fixture('loki-vector.json') };
  if (path === '/loki/api/v1/query_range') {
    if (query === 'categorized') return { json: fixture('loki-streams-categorized.json') };
    return { json: fixture(query.startsWith('{') ? 'loki-streams.json' : 'loki-matrix.json') };
  }
  if (path === '/loki/api/v1/labels')
    return { json: fixture(params.has('start') ? 'loki-labels.json' : 'loki-empty-labels.json') };
  if (path === '/loki/api/v1/label/pod name/values') return { json: fixture('loki-label-values.json') };
  if (path === '/loki/api/v1/series') return { json: fixture('loki-series.json') };
  return undefined;
}

describe('Loki adapter against documented response shapes', () => {
  let server: LokiFixture;
  beforeAll(async () => {
    server = await startLokiFixture((request) => answer(request.path, request.params));
  });
  afterAll(() => server.close());
  const source = (extra: Partial<Parameters<typeof createLokiLogSource>[0]> = {}) =>
    createLokiLogSource({ baseUrl: server.url, ...extra });
  const lastRequest = () => server.requests.at(-1)!;

  it('reads streams with nanosecond string timestamps, sorted by labels, ignoring stats', async () => {
    const streams = await source().queryLogs('{job="varlogs"}', { start: START, end: String(END), limit: 3 });
    const labels = { filename: '/var/log/myproject.log', job: 'varlogs' };
    expect(streams).toEqual([
      {
        labels: { ...labels, level: 'error' },
        entries: [{ timestampNs: 1569266496000000001n, line: 'baz' }],
      },
      {
        labels: { ...labels, level: 'info' },
        entries: [
          { timestampNs: 1569266497240578000n, line: 'foo' },
          { timestampNs: 1569266492548155000n, line: 'bar' },
        ],
      },
    ]);
    expect(Object.fromEntries(lastRequest().params)).toEqual({
      query: '{job="varlogs"}',
      start: String(START),
      end: String(END),
      limit: '3',
      direction: 'backward',
    });
  });

  it('accepts Loki 3 values carrying structured metadata as a third element', async () => {
    const [stream] = await source().queryLogs('categorized', { start: START, end: END });
    expect(stream!.entries.map((e) => e.line)).toEqual(['payment failed', '{"level":"error"}', 'plain']);
  });

  it('reads a matrix (float seconds, string values, NaN) and a vector (+Inf, empty metric)', async () => {
    const series = await source().queryLogMetric('rate({job="x"}[1m])', {
      start: START,
      end: END,
      stepMs: 15_000,
    });
    expect(lastRequest().params.get('step')).toBe('15');
    expect(series.map((s) => s.labels)).toEqual([{ level: 'info' }, { level: 'warn' }]);
    expect(series[0]!.points).toEqual([
      { timestampMs: 1588889221000, value: 137.95 },
      { timestampMs: 1588889236500, value: 467.115 },
      { timestampMs: 1588889251000, value: NaN },
    ]);
    const samples = await source().queryLogMetric('sum(rate({job="x"}[1m]))', { time: END });
    expect(lastRequest().params.get('time')).toBe(String(END));
    // The store's order (by the JSON of the sorted label pairs) puts the empty label set last.
    expect(samples).toEqual([
      { labels: { level: 'info' }, timestampMs: 1588889221000, value: Infinity },
      { labels: { level: 'warn' }, timestampMs: 1588889221000, value: 37.77166666666667 },
      { labels: {}, timestampMs: 1588889221000, value: 1267.1266666666666 },
    ]);
  });

  it('lists labels, values and series; a missing `data` is an empty list', async () => {
    expect(await source().labels({ start: START, end: END })).toEqual(['bar', 'baz', 'foo']);
    expect(await source().labels()).toEqual([]);
    expect(lastRequest().params.has('start')).toBe(false);
    expect(await source().labelValues('pod name')).toEqual(['cortex-ops/consul', 'cortex-ops/cortex-gw']);
    const series = await source().series([
      { name: 'app', type: '=~', value: 'lo"ki|promtail' },
      { name: 'stream', type: '!=', value: 'stdout' },
    ]);
    expect(lastRequest().params.getAll('match[]')).toEqual(['{app=~"lo\\"ki|promtail", stream!="stdout"}']);
    expect(series.map((s) => s['app'])).toEqual(['loki', 'promtail']);
    await source({ streamSelector: '{job=~".+"}' }).series([]);
    expect(lastRequest().params.getAll('match[]')).toEqual(['{job=~".+"}']);
  });

  it('sends the tenant as X-Scope-OrgID and extra headers', async () => {
    await source({ tenant: 'shop', headers: { authorization: 'Bearer t' } }).labels();
    expect(lastRequest().headers).toMatchObject({ 'x-scope-orgid': 'shop', authorization: 'Bearer t' });
    await source().labels();
    expect(lastRequest().headers['x-scope-orgid']).toBeUndefined();
  });

  it('turns Loki plain-text parse errors into LogqlParseError with the same message', async () => {
    const error = await source()
      .queryLogs(BAD_QUERY, { start: START, end: END })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogqlParseError);
    expect(error).toMatchObject({ message: PARSE_MESSAGE, line: 1, column: 16, position: { start: 15 } });
    await expect(source().queryLogs('empty selector {a=~".*"}', { start: START, end: END })).rejects.toThrow(
      /^parse error at line 1, col 1: queries require at least one/,
    );
    await expect(source().queryLogMetric('{job="x"}', { time: END })).rejects.toThrow(LogqlParseError);
    await expect(source().queryLogs('rate({job="x"}[1m])', { start: START, end: END })).rejects.toThrow(
      'not a log query',
    );
  });

  it('maps other refusals, overload, failures and deadlines to distinct errors', async () => {
    const range = { start: START, end: END };
    await expect(source().queryLogs('too many', range)).rejects.toThrow(LokiRequestError);
    await expect(source().queryLogs('overloaded', range)).rejects.toMatchObject({
      name: 'LogSourceUnavailableError',
      status: 429,
    });
    await expect(source().queryLogs('failing', range)).rejects.toMatchObject({
      status: 500,
      message: expect.stringContaining('rpc error') as unknown,
    });
    await expect(source({ timeoutMs: 50 }).queryLogs('hang', range)).rejects.toThrow(/TimeoutError/);
    await expect(source({ baseUrl: `${server.url}/nope` }).labels()).rejects.toMatchObject({ status: 404 });
    const closed = await startLokiFixture(() => undefined);
    await closed.close();
    await expect(createLokiLogSource({ baseUrl: closed.url }).labels()).rejects.toThrow(
      LogSourceUnavailableError,
    );
  });

  it('refuses malformed answers with LokiResponseError', async () => {
    const range = { start: START, end: END };
    for (const query of ['not json', 'error status', 'numeric ts']) {
      await expect(source().queryLogs(query, range), query).rejects.toThrow(LokiResponseError);
    }
    await expect(source().queryLogMetric('bad value', { time: END })).rejects.toThrow(/value.*sample value/);
  });

  it('refuses bad options at creation', () => {
    expect(() => createLokiLogSource({ baseUrl: 'loki:3100 ' })).toThrow(/invalid Loki baseUrl/);
    expect(() => source({ pageSize: 0 })).toThrow(RangeError);
    expect(() => source({ timeoutMs: -1 })).toThrow(RangeError);
  });
});
