import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../model/labels.js';
import { appendScrape } from '../scrape/scrape-once.js';
import { createTsdb } from './tsdb.js';

/**
 * bench/telemetry/run.mjs's `scrapedBytesPerSample`, against the sources: 10 prom-client registries (Node's
 * default runtime metrics and an HTTP histogram) scraped over loopback for 2 h of simulated time at 5 s.
 * `TSDB_BENCH_DUMP=<file>` also writes every series' samples as JSON (for studying the encodings offline).
 */
async function scrapedBytesPerSample(dir: string): Promise<Record<string, number>> {
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
  const server = createServer((req, res) => {
    const target = targets.find((x) => req.url === `/${x.name}/metrics`);
    if (target === undefined) res.end('');
    else void target.registry.metrics().then((text) => res.end(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const previous = new Map<string, Map<string, Labels>>();
  let t = Date.now() - 3 * 3_600_000;
  try {
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
  } finally {
    server.close();
  }
  const stats = tsdb.stats();
  const dump = process.env.TSDB_BENCH_DUMP;
  if (dump !== undefined && dump !== '') {
    const all = await tsdb.select([{ name: '__name__', type: '=~', value: '.+' }], 0, Date.now());
    const series = all.map((s) => {
      const values = s.values instanceof Float64Array ? s.values : Float64Array.from(s.values);
      return {
        labels: s.labels,
        t: Array.from(s.timestamps),
        // As the 32-bit words of the float64s (host order): JSON has no NaN, and -0 would be lost.
        v: Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length * 2)),
      };
    });
    writeFileSync(dump, JSON.stringify(series));
  }
  await tsdb.close();
  return {
    series: stats.numSeries,
    samples: stats.numSamples,
    bytesPerSample: stats.bytesPerSample,
    bytesOnDisk: stats.bytesOnDisk,
  };
}

// Run with TSDB_BENCH=1 npx vitest run packages/telemetry/src/tsdb/scraped-compression
describe.skipIf(process.env.TSDB_BENCH !== '1')('TSDB bytes per sample of real scraped series', () => {
  it('scrapes 10 prom-client targets for 2 h at 5 s and reports bytes per sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-scraped-'));
    try {
      const result = await scrapedBytesPerSample(dir);
      console.log(JSON.stringify(result, null, 2));
      expect(result.samples).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
