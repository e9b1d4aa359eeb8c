import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedMetricsSource } from '../src/metrics/embedded-metrics-source.js';
import { createPromqlEngine } from '../src/promql/engine.js';
import { createTsdb } from '../src/tsdb/tsdb.js';
import { contractDataset, describeMetricsSourceContract } from './metrics-source.contract.js';

describeMetricsSourceContract('embedded TSDB + PromQL engine', async (end) => {
  const dir = mkdtempSync(join(tmpdir(), 'opsloop-embedded-metrics-'));
  const tsdb = await createTsdb({ dir, fsync: false });
  for (const series of contractDataset(end)) {
    for (let i = 0; i < series.timestamps.length; i += 1)
      tsdb.append(series.labels, series.timestamps[i]!, series.values[i]!);
  }
  await tsdb.commit();
  return {
    source: createEmbeddedMetricsSource({ engine: createPromqlEngine({ querier: tsdb }), querier: tsdb }),
    async close() {
      await tsdb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
