import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusMetricsSource } from '../src/metrics/adapters/prometheus-metrics-source.js';
import { createEmbeddedMetricsSource } from '../src/metrics/embedded-metrics-source.js';
import type { MetricsSource, QueryResult } from '../src/metrics/metrics-source.js';
import { createRemoteWriteClient } from '../src/metrics/remote-write.js';
import { createPromqlEngine } from '../src/promql/engine.js';
import { createTsdb } from '../src/tsdb/tsdb.js';
import type { Tsdb } from '../src/tsdb/tsdb-options.js';
import { CONFORMANCE_QUERIES } from './promql-conformance-queries.js';
import { resultDifferences } from './support/compare-results.js';
import { PROMETHEUS_BIN, startPrometheus, type RealServer } from './support/real-servers.js';
import { scrapeDataset, type ScrapedDataset } from './support/scraped-dataset.js';

const TOLERANCE = 1e-9;

/**
 * PromQL conformance: the embedded scraper scrapes simulated services into the embedded TSDB; the very same
 * samples (staleness markers included) are remote-written into a real Prometheus 2.42; every query of
 * CONFORMANCE_QUERIES then runs on both, as instant queries at several moments (during the churn: restart,
 * failed scrape, new and vanished targets) and as a range query, and the answers must agree within 1e-9.
 */
describe.skipIf(PROMETHEUS_BIN === '')('PromQL conformance with Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-conformance-'));
  let tsdb: Tsdb;
  let prometheus: RealServer;
  let ours: MetricsSource;
  let theirs: MetricsSource;
  let data: ScrapedDataset;

  beforeAll(async () => {
    // Recent enough for Prometheus's head block, old enough that nothing is still "now".
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000 + 7_000;
    tsdb = await createTsdb({ dir: join(dir, 'ours'), fsync: false });
    data = await scrapeDataset(tsdb, start);
    prometheus = await startPrometheus(join(dir, 'prometheus'));
    const everything = await tsdb.select([{ name: '__name__', type: '=~', value: '.+' }], start, data.endMs);
    await createRemoteWriteClient({ url: `${prometheus.url}/api/v1/write` }).send(everything);
    ours = createEmbeddedMetricsSource({ engine: createPromqlEngine({ querier: tsdb }), querier: tsdb });
    theirs = createPrometheusMetricsSource({ baseUrl: prometheus.url });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await tsdb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`has at least 40 cases`, () => {
    expect(CONFORMANCE_QUERIES.length).toBeGreaterThanOrEqual(40);
    expect(data.scrapes).toBeGreaterThan(700);
  });

  const compare = async (run: (source: MetricsSource) => Promise<QueryResult>) => {
    const [a, b] = await Promise.all([run(ours), run(theirs)]);
    return resultDifferences(a, b, TOLERANCE);
  };

  it.each(CONFORMANCE_QUERIES)('%s', async (query) => {
    const instants = [20, 29.75, 37.5, 45.25, 50, 60].map(
      (minutes) => data.startMs + minutes * 60_000 + 1_234,
    );
    const problems: string[] = [];
    for (const t of instants) {
      for (const p of await compare((s) => s.instantQuery(query, t))) problems.push(`instant @${t}: ${p}`);
    }
    if (!/^(?:vector\(|absent\(|\d)/.test(query) || query.includes('scalar')) {
      const range = await compare((s) => s.rangeQuery(query, data.startMs + 15 * 60_000, data.endMs, 37_000));
      for (const p of range) problems.push(`range: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});
