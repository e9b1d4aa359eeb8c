// `npm run bench:telemetry`: the embedded telemetry backend's numbers, beside a real Prometheus on the same data.
//
// 1. Ingest: 1 000 realistic series (counters, gauges, histogram buckets) × 24 h at 15 s (5.76 M samples)
//    appended to the embedded TSDB through series refs, one commit per scrape round: samples/s and Gorilla
//    bytes per sample.
// 2. Real scraped series: simulated services with prom-client registries (Node runtime metrics, an HTTP
//    histogram) scraped over loopback by the embedded scraper for 2 h of simulated time at 5 s: bytes per
//    sample of what a scrape really produces (the "bytesPerSample").
// 3. query_range over the 24 h × 1 000 series: the same PromQL queries through the Prometheus HTTP API of our
//    backend and of a real Prometheus (remote-written the identical samples), p99 of BENCH_QUERY_RUNS runs each.
// 4. Overhead: the shop's throughput and p99 with telemetry on vs off at the same load (overhead.mjs says how).
//
// Env: BENCH_PROMETHEUS_BIN (prometheus on PATH), BENCH_QUERY_RUNS (20), BENCH_OVERHEAD (1; 0 skips part 4
// and writes its fields as null), and overhead.mjs's. Loopback only.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  benchIngest,
  createPromqlEngine,
  createRemoteWriteClient,
  createTsdb,
  prometheusApiPlugin,
} from '../../packages/telemetry/dist/index.js';
import { appendScrape } from '../../packages/telemetry/dist/scrape/scrape-once.js';
import { measureOverhead } from './overhead.mjs';

const root = new URL('../../', import.meta.url).pathname;
const runs = Number(process.env.BENCH_QUERY_RUNS ?? 20);
const prometheusBin = process.env.BENCH_PROMETHEUS_BIN ?? 'prometheus';
const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const round = (x, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)];

const QUERIES = [
  'sum by (route) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
  'avg by (instance) (process_resident_memory_bytes)',
  'max_over_time(cpu_usage_ratio[10m])',
];

async function freePort() {
  return new Promise((resolve) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function timeQueries(baseUrl, startMs, endMs) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    for (const query of QUERIES) {
      const body = new URLSearchParams({
        query,
        start: String(startMs / 1000),
        end: String(endMs / 1000),
        step: '60',
      });
      const t0 = performance.now();
      const response = await fetch(`${baseUrl}/api/v1/query_range`, { method: 'POST', body });
      const json = await response.json();
      times.push(performance.now() - t0);
      if (json.status !== 'success')
        throw new Error(`${baseUrl}: ${query}: ${JSON.stringify(json).slice(0, 300)}`);
    }
  }
  return p99(times);
}

async function scrapedBytesPerSample(dir) {
  const tsdb = await createTsdb({ dir, fsync: false });
  const targets = Array.from({ length: 10 }, (_, i) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'r',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'd',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      registers: [registry],
    });
    return { name: `svc-${i}`, registry, requests, duration };
  });
  const server = createServer(async (req, res) => {
    const t = targets.find((x) => req.url === `/${x.name}/metrics`);
    res.end(t ? await t.registry.metrics() : '');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const previous = new Map();
  let t = Date.now() - 3 * 3_600_000;
  for (let step = 0; step < 1440; step += 1, t += 5000) {
    for (const target of targets) {
      for (const route of ['/a', '/b', '/c']) {
        const n = Math.floor(Math.random() * 30);
        target.requests.inc({ route, status: '200' }, n);
        for (let i = 0; i < n; i += 1) target.duration.observe({ route }, Math.random() ** 3);
      }
      const url = `${base}/${target.name}/metrics`;
      const text = await (await fetch(url)).text();
      const outcome = appendScrape(
        tsdb,
        { url, labels: { job: target.name, instance: target.name } },
        t,
        2,
        { text },
        previous.get(target.name) ?? new Map(),
      );
      previous.set(target.name, outcome.seen);
    }
    await tsdb.commit();
  }
  server.close();
  const stats = tsdb.stats();
  await tsdb.close();
  return stats;
}

const work = mkdtempSync(join(tmpdir(), 'opsloop-bench-telemetry-'));
let prometheus;
try {
  log('ingest: 1 000 series × 24 h at 15 s into the embedded TSDB');
  const ingest = await benchIngest({ dir: join(work, 'ingest'), series: 1000, hours: 24, queries: 20 });
  log(
    `  ${Math.round(ingest.samplesPerSecond)} samples/s, ${round(ingest.bytesPerSample)} B/sample (synthetic)`,
  );

  log('real scraped series: 10 prom-client targets × 2 h at 5 s over loopback');
  const scraped = await scrapedBytesPerSample(join(work, 'scraped'));
  log(
    `  ${scraped.numSeries} series, ${scraped.numSamples} samples, ${round(scraped.bytesPerSample)} B/sample`,
  );

  log('query_range over 24 h × 1 000 series: embedded (HTTP API)');
  const tsdb = await createTsdb({ dir: join(work, 'ingest'), fsync: false });
  const all = await tsdb.select([{ name: '__name__', type: '=~', value: '.+' }], 0, Date.now() + 86_400_000);
  const endMs = Math.max(...all.map((s) => s.timestamps[s.timestamps.length - 1]));
  const startMs = endMs - 24 * 3_600_000;
  const app = Fastify();
  await app.register(prometheusApiPlugin({ engine: createPromqlEngine({ querier: tsdb }), querier: tsdb }));
  const ours = await app.listen({ host: '127.0.0.1', port: 0 });
  const oursP99 = await timeQueries(ours, startMs, endMs);
  log(`  p99 ${round(oursP99)} ms`);

  let theirsP99 = null;
  try {
    const version = execSync(`${prometheusBin} --version 2>&1`).toString().split('\n')[0];
    log(`query_range on a real Prometheus (${version}): remote-writing ${all.length} series`);
    const dir = join(work, 'prometheus');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
    const port = await freePort();
    prometheus = spawn(
      prometheusBin,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=3650d',
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i += 1) {
      if (
        await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 300));
    }
    // Prometheus's head only takes samples near its newest: send the history in time order, 24 h span.
    await createRemoteWriteClient({ url: `${url}/api/v1/write`, maxSamplesPerRequest: 10_000 }).send(all);
    theirsP99 = await timeQueries(url, startMs, endMs);
    log(`  p99 ${round(theirsP99)} ms`);
  } catch (error) {
    log(`  Prometheus comparison skipped: ${error instanceof Error ? error.message : String(error)}`);
  }
  await app.close();
  await tsdb.close();

  const overhead = process.env.BENCH_OVERHEAD === '0' ? undefined : await measureOverhead();

  const commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  const result = {
    ingestSamplesPerSecond: Math.round(ingest.samplesPerSecond),
    bytesPerSample: round(scraped.bytesPerSample),
    queryRangeP99Ms: round(oursP99),
    prometheusQueryRangeP99Ms: round(theirsP99),
    throughputLossPct: overhead?.throughputLossPct ?? null,
    p99IncreasePct: overhead?.p99IncreasePct ?? null,
    details: {
      date: new Date().toISOString(),
      commit,
      machine: `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
      ingest: {
        series: ingest.series,
        samples: ingest.samples,
        samplesPerCpuSecond: Math.round(ingest.samplesPerCpuSecond),
        appendOnlySamplesPerSecond: Math.round(ingest.appendOnlySamplesPerSecond),
        syntheticBytesPerSample: round(ingest.bytesPerSample),
      },
      scraped: { series: scraped.numSeries, samples: scraped.numSamples, bytesOnDisk: scraped.bytesOnDisk },
      queries: QUERIES,
      queryRuns: runs,
      overhead: overhead?.details ?? 'not measured (BENCH_OVERHEAD=0)',
    },
  };
  writeFileSync(join(root, 'bench/results/telemetry.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    [
      'metric                          embedded     Prometheus',
      `ingest (samples/s)              ${String(result.ingestSamplesPerSecond).padEnd(12)} -`,
      `bytes per sample (scraped)      ${String(result.bytesPerSample).padEnd(12)} ~1.3 (published)`,
      `query_range p99 (ms)            ${String(result.queryRangeP99Ms).padEnd(12)} ${result.prometheusQueryRangeP99Ms ?? '-'}`,
      `shop throughput loss (%)        ${result.throughputLossPct ?? '-'}`,
      `shop p99 increase (%)           ${result.p99IncreasePct ?? '-'}`,
    ].join('\n'),
  );
} finally {
  prometheus?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
