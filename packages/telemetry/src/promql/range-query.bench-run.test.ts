import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { benchIngest } from '../tsdb/bench-ingest.js';
import { createTsdb } from '../tsdb/tsdb.js';
import { createPromqlEngine } from './engine.js';
import { prometheusApiPlugin } from './http-api.js';

// The query_range benchmark of bench/telemetry/run.mjs, in-process (24 h × 1 000 series, step 60 s):
//   PROMQL_BENCH=1 npx vitest run packages/telemetry/src/promql/range-query.bench-run
// PROMQL_BENCH_RUNS sets the repetitions (default 20). "stepwise" is the same engine forced onto the
// step-by-step evaluator, measured in the same run for a before/after on a busy machine.
// PROMQL_BENCH_CACHE_BYTES sets the TSDB's decoded chunk cache (0: off, every query decodes: the cold figure;
// with the cache, the opening select of every series already fills it).
const QUERIES = [
  'sum by (route) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'avg by (instance) (process_resident_memory_bytes)',
  'max_over_time(cpu_usage_ratio[10m])',
];

function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] ?? NaN;
}

describe.skipIf(process.env.PROMQL_BENCH !== '1')('PromQL range query benchmark', () => {
  it('times the four dashboard queries in-process and through the HTTP API', async () => {
    const runs = Number(process.env.PROMQL_BENCH_RUNS ?? 20);
    const dir = mkdtempSync(join(tmpdir(), 'promql-bench-'));
    try {
      await benchIngest({ dir, series: 1000, hours: 24, queries: 1 });
      const cacheBytes = process.env.PROMQL_BENCH_CACHE_BYTES;
      const tsdb = await createTsdb({
        dir,
        fsync: false,
        ...(cacheBytes === undefined ? {} : { decodedChunkCacheBytes: Number(cacheBytes) }),
      });
      try {
        const all = await tsdb.select([{ name: '__name__', type: '=~', value: '.+' }], 0, 8.64e15);
        const endMs = Math.max(...all.map((s) => s.timestamps[s.timestamps.length - 1]!));
        const startMs = endMs - 24 * 3_600_000;
        const engine = createPromqlEngine({ querier: tsdb });
        const stepwise = createPromqlEngine({ querier: tsdb, stepwiseOnly: true });
        const app = Fastify();
        await app.register(prometheusApiPlugin({ engine, querier: tsdb }));
        await app.ready();
        const times = QUERIES.map(() => ({
          engine: [] as number[],
          stepwise: [] as number[],
          http: [] as number[],
        }));
        for (let run = 0; run < runs; run++) {
          for (const [i, query] of QUERIES.entries()) {
            let t0 = performance.now();
            const fast = await engine.rangeQuery(query, startMs, endMs, 60_000);
            times[i]!.engine.push(performance.now() - t0);
            t0 = performance.now();
            const slow = await stepwise.rangeQuery(query, startMs, endMs, 60_000);
            times[i]!.stepwise.push(performance.now() - t0);
            if (run === 0) expect(fast).toEqual(slow);
            const payload = new URLSearchParams({
              query,
              start: String(startMs / 1000),
              end: String(endMs / 1000),
              step: '60',
            }).toString();
            t0 = performance.now();
            const response = await app.inject({
              method: 'POST',
              url: '/api/v1/query_range',
              payload,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            });
            expect((JSON.parse(response.body) as { status: string }).status).toBe('success');
            times[i]!.http.push(performance.now() - t0);
          }
        }
        await app.close();
        const rows = QUERIES.map((query, i) => {
          const t = times[i]!;
          const f = (xs: number[]) => `${quantile(xs, 0.5).toFixed(0)}/${quantile(xs, 0.99).toFixed(0)}`;
          return `${query.padEnd(90)} ${f(t.stepwise).padStart(11)} ${f(t.engine).padStart(11)} ${f(t.http).padStart(11)}`;
        });
        const httpAll = times.flatMap((t) => t.http);
        console.log(
          [
            `${'query (ms, p50/p99)'.padEnd(90)} ${'stepwise'.padStart(11)} ${'engine'.padStart(11)} ${'http'.padStart(11)}`,
            ...rows,
            `http p99 over all queries: ${quantile(httpAll, 0.99).toFixed(0)} ms (${runs} runs)`,
          ].join('\n'),
        );
      } finally {
        await tsdb.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_800_000);
});
