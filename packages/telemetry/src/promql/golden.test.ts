/**
 * Differential test against Prometheus 2.42: a seeded dataset, ~150 queries, and the answers the real
 * server (Debian's prometheus 2.42.0) gave for them, stored in testdata/prometheus-2.42-golden.json.
 *
 * Re-recording (only when the dataset or the queries change):
 *   1. PROMQL_GOLDEN_OPENMETRICS=/tmp/golden.om npx vitest run packages/telemetry/src/promql/golden.test.ts
 *   2. promtool tsdb create-blocks-from openmetrics /tmp/golden.om /tmp/golden-db
 *      prometheus --storage.tsdb.path=/tmp/golden-db --storage.tsdb.retention.time=100y \
 *        --config.file=<empty scrape config> --web.listen-address=127.0.0.1:19090
 *   3. PROMQL_GOLDEN_RECORD_URL=http://127.0.0.1:19090 npx vitest run packages/telemetry/src/promql/golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { createPromqlEngine } from './engine.js';
import { PromqlError } from './errors.js';
import { formatApiValue, parseGoFloat } from './go-compat.js';
import { MemoryQuerier, type MemorySeriesInput } from './memory-querier.js';
import type { QueryResult } from './result.js';

const FIXTURE = new URL('./testdata/prometheus-2.42-golden.json', import.meta.url);
const T0 = 1_700_000_000_000;
const MIN = 60_000;

/** mulberry32: a tiny deterministic PRNG so the dataset is the same everywhere. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The dataset: 1h of 15 s samples with resets, jitter, gaps, NaN/Inf, histograms and info series. */
function goldenDataset(): MemorySeriesInput[] {
  const rnd = random(42);
  const out: MemorySeriesInput[] = [];
  const series = (
    labels: Labels,
    gen: (i: number, t: number) => number | undefined,
    opts: { jitter?: boolean; every?: number; from?: number; to?: number } = {},
  ): void => {
    const samples: [number, number][] = [];
    for (let i = 0; i * 15_000 <= 60 * MIN; i++) {
      const base = T0 + i * 15_000;
      if (opts.from !== undefined && base < T0 + opts.from) continue;
      if (opts.to !== undefined && base > T0 + opts.to) continue;
      if (opts.every !== undefined && i % opts.every !== 0) continue;
      const t = opts.jitter ? base + Math.floor(rnd() * 3000) : base;
      const v = gen(i, t);
      if (v !== undefined) samples.push([t, v]);
    }
    out.push({ labels, samples });
  };
  for (const job of ['api', 'web']) {
    for (const instance of ['a', 'b']) {
      for (const method of ['GET', 'POST']) {
        let c = Math.floor(rnd() * 100);
        series(
          { __name__: 'http_requests_total', job, instance, method },
          () => {
            c = rnd() < 0.01 ? Math.floor(rnd() * 5) : c + Math.floor(rnd() * 20);
            return c;
          },
          { jitter: instance === 'b' },
        );
      }
    }
    const bounds = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
    const counts = bounds.map(() => 0);
    let sum = 0;
    const rows: { le: string; values: number[] }[] = bounds.map((le) => ({ le, values: [] }));
    const sums: number[] = [];
    for (let i = 0; i <= 240; i++) {
      for (let n = Math.floor(rnd() * 10); n > 0; n--) {
        const obs = rnd() ** 2 * 3;
        sum += obs;
        bounds.forEach((b, j) => {
          if (obs <= Number(b.replace('+Inf', 'Infinity'))) counts[j]!++;
        });
      }
      rows.forEach((r, j) => r.values.push(counts[j]!));
      sums.push(Math.round(sum * 1000) / 1000);
    }
    for (const r of rows) series({ __name__: 'latency_seconds_bucket', job, le: r.le }, (i) => r.values[i]);
    series({ __name__: 'latency_seconds_sum', job }, (i) => sums[i]);
    series({ __name__: 'latency_seconds_count', job }, (i) => rows[rows.length - 1]!.values[i]);
    series({ __name__: 'build_info', job, version: job === 'api' ? '1.2.3' : '4.5.6' }, () => 1);
  }
  for (const zone of ['north', 'south', 'east']) {
    let temp = Math.round(rnd() * 400 - 100) / 10;
    series({ __name__: 'temperature', zone }, () => (temp = Math.round((temp + rnd() * 4 - 2) * 100) / 100));
  }
  for (const id of ['1', '2']) {
    let next = 0;
    series({ __name__: 'sparse', id }, (i) => {
      if (i < next) return undefined;
      next = i + 16 + Math.floor(rnd() * 20);
      return Math.floor(rnd() * 50);
    });
  }
  const specials = [NaN, Infinity, -Infinity];
  series({ __name__: 'weird_gauge' }, (i) => (i % 17 === 5 ? specials[i % 3]! : Math.floor(rnd() * 10) - 5));
  series({ __name__: 'partial', x: 'early' }, (i) => i, { to: 25 * MIN });
  series({ __name__: 'partial', x: 'late' }, (i) => i * 2, { from: 40 * MIN });
  series({ __name__: 'dup_a', k: '1' }, () => 1);
  series({ __name__: 'dup_b', k: '1' }, () => 2);
  series({ __name__: 'const_gauge' }, () => 42);
  series({ __name__: 'big_counter' }, (i) => 1e15 + i * 0.125);
  series({ __name__: 'slow_counter' }, (i) => i * 3, { every: 8 });
  return out;
}

const AT = (m: number): number => (T0 + m * MIN) / 1000;

/** Queries evaluated as instant queries at every INSTANT_TIMES, and (when not a range vector) as range queries. */
const QUERIES: readonly string[] = readFileSync(
  new URL('./testdata/golden-queries.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'));

const INSTANT_TIMES = [AT(30), AT(45) + 7.5, AT(61)];
const RANGES = [
  { start: AT(10), end: AT(60), step: 300 },
  { start: AT(20), end: AT(30), step: 37 },
];

type PromData =
  | { resultType: 'vector'; result: { metric: Labels; value: [number, string] }[] }
  | { resultType: 'matrix'; result: { metric: Labels; values: [number, string][] }[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };
type PromResponse =
  { status: 'success'; data: PromData } | { status: 'error'; errorType: string; error: string };

interface GoldenCase {
  readonly query: string;
  readonly time?: number;
  readonly range?: { start: number; end: number; step: number };
  readonly response: PromResponse;
}

/** [timestamp ms, value, Prometheus's text of the value] points of each series, by label key. */
type Points = Map<string, [number, number, string][]>;

function expectedPoints(data: PromData): Points {
  const points: Points = new Map();
  const num = (text: string): number => parseGoFloat(text)!;
  if (data.resultType === 'vector') {
    for (const s of data.result)
      points.set(labelsKey(s.metric), [[s.value[0] * 1000, num(s.value[1]), s.value[1]]]);
  } else if (data.resultType === 'matrix') {
    for (const s of data.result)
      points.set(
        labelsKey(s.metric),
        s.values.map(([t, v]) => [t * 1000, num(v), v]),
      );
  } else if (data.resultType === 'scalar') {
    points.set('', [[data.result[0] * 1000, num(data.result[1]), data.result[1]]]);
  }
  return points;
}

function actualPoints(result: QueryResult): Points {
  const points: Points = new Map();
  const p = (t: number, v: number): [number, number, string] => [Math.round(t), v, formatApiValue(v)];
  if (result.resultType === 'vector')
    for (const s of result.result) points.set(labelsKey(s.metric), [p(s.timestampMs, s.value)]);
  if (result.resultType === 'matrix') {
    for (const s of result.result)
      points.set(
        labelsKey(s.metric),
        s.timestampsMs.map((t, i) => p(t, s.values[i]!)),
      );
  }
  if (result.resultType === 'scalar') points.set('', [p(result.result.timestampMs, result.result.value)]);
  return points;
}

function sameValue(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Differences between our answer and Prometheus's: values must print identically (same float bits, same
 * Go formatting), except where `exact` is false — exp, ln, pow and atan2 may differ from Go's math in the
 * last bit, so those compare within 1e-9 relative.
 */
function differences(ours: QueryResult | PromqlError, theirs: PromResponse, exact: boolean): string[] {
  if (theirs.status === 'error') {
    if (!(ours instanceof PromqlError)) return [`expected error ${theirs.errorType}: ${theirs.error}`];
    const message = theirs.error.replace(/^invalid parameter "query": /, '');
    const out =
      ours.errorType === theirs.errorType ? [] : [`errorType ${ours.errorType} vs ${theirs.errorType}`];
    if (ours.message.slice(0, 40) !== message.slice(0, 40))
      out.push(`error "${ours.message}" vs "${message}"`);
    return out;
  }
  if (ours instanceof PromqlError) return [`unexpected error: ${ours.message}`];
  if (ours.resultType !== theirs.data.resultType)
    return [`type ${ours.resultType} vs ${theirs.data.resultType}`];
  if (ours.resultType === 'string')
    return ours.result.value === theirs.data.result[1] ? [] : ['string differs'];
  const mine = actualPoints(ours);
  const other = expectedPoints(theirs.data);
  const out: string[] = [];
  for (const [key, points] of mine) {
    const o = other.get(key);
    if (o === undefined) out.push(`only ours: ${key}`);
    else if (points.map((x) => x[0]).join() !== o.map((x) => x[0]).join())
      out.push(`${key}: timestamps differ`);
    else {
      points.forEach(([t, v, text], i) => {
        const [, ov, otext] = o[i]!;
        if (!sameValue(v, ov)) out.push(`${key} @${t}: ${v} vs ${ov}`);
        else if ((exact || Object.is(v, ov)) && text !== otext)
          out.push(`${key} @${t}: printed ${text} vs ${otext}`);
      });
    }
  }
  for (const key of other.keys()) if (!mine.has(key)) out.push(`only Prometheus: ${key}`);
  return out.slice(0, 5);
}

async function record(url: string): Promise<void> {
  const ask = async (path: string, params: Record<string, string>): Promise<PromResponse> => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    return (await response.json()) as PromResponse;
  };
  const cases: GoldenCase[] = [];
  for (const query of QUERIES) {
    for (const time of INSTANT_TIMES) {
      cases.push({ query, time, response: await ask('/api/v1/query', { query, time: String(time) }) });
    }
    const first = cases[cases.length - INSTANT_TIMES.length]!.response;
    if (
      first.status === 'success' &&
      (first.data.resultType === 'matrix' || first.data.resultType === 'string')
    )
      continue;
    // The unaligned range multiplies points; keep it for the small series sets.
    for (const range of query.includes('http_requests_total') ? RANGES.slice(0, 1) : RANGES) {
      const params = { query, start: String(range.start), end: String(range.end), step: String(range.step) };
      cases.push({ query, range, response: await ask('/api/v1/query_range', params) });
    }
  }
  writeFileSync(
    FIXTURE,
    `${JSON.stringify({ recordedWith: 'Prometheus 2.42.0 (Debian 2.42.0+ds-5+deb12u1)', cases })}\n`,
  );
}

function openMetrics(): string {
  const byName = new Map<string, string[]>();
  for (const s of goldenDataset()) {
    const { __name__: name, ...rest } = s.labels;
    const labels = Object.entries(rest)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    const lines = byName.get(name!) ?? [];
    for (const [t, v] of s.samples) lines.push(`${name}{${labels}} ${formatApiValue(v)} ${t / 1000}`);
    byName.set(name!, lines);
  }
  return `${[...byName.values()].flat().join('\n')}\n# EOF\n`;
}

const recordUrl = process.env['PROMQL_GOLDEN_RECORD_URL'];
const openMetricsPath = process.env['PROMQL_GOLDEN_OPENMETRICS'];

describe('golden results of Prometheus 2.42', () => {
  if (openMetricsPath !== undefined)
    it('writes the dataset as OpenMetrics', () => writeFileSync(openMetricsPath, openMetrics()));
  if (recordUrl !== undefined) it('records Prometheus answers', () => record(recordUrl), 120_000);
  if (recordUrl !== undefined || openMetricsPath !== undefined || !existsSync(FIXTURE)) return;

  const cases = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: GoldenCase[] }).cases;
  const engine = createPromqlEngine({ querier: new MemoryQuerier(goldenDataset()) });
  const byQuery = new Map<string, GoldenCase[]>();
  for (const c of cases) byQuery.set(c.query, [...(byQuery.get(c.query) ?? []), c]);

  it.each([...byQuery.keys()])('%s', async (query) => {
    const problems: string[] = [];
    for (const c of byQuery.get(query)!) {
      const run = c.range
        ? engine.rangeQuery(query, c.range.start * 1000, c.range.end * 1000, c.range.step * 1000)
        : engine.instantQuery(query, c.time! * 1000);
      const ours = await run.catch((error: unknown) => {
        if (error instanceof PromqlError) return error;
        throw error;
      });
      const where = c.range ? `range ${c.range.start}..${c.range.end}/${c.range.step}` : `at ${c.time}`;
      const exact = !/exp|ln|log|\^|atan2/.test(query);
      problems.push(...differences(ours, c.response, exact).map((d) => `${where}: ${d}`));
    }
    expect(problems).toEqual([]);
  });
});
