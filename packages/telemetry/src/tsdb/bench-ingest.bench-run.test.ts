import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchIngest } from './bench-ingest.js';

// The benchmark itself (≈ 5.8 M samples): run with TSDB_BENCH=1 npx vitest run packages/telemetry/src/tsdb/bench-ingest
describe.skipIf(process.env.TSDB_BENCH !== '1')('TSDB ingest benchmark', () => {
  it('ingests 1 000 series × 24 h at 15 s and reports the figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-bench-'));
    try {
      const result = await benchIngest({ dir, fsync: process.env.TSDB_BENCH_FSYNC === '1' });
      console.log(JSON.stringify(result, null, 2));
      expect(result.samples).toBe(1000 * 5760);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('benchIngest (small run)', () => {
  it('reports consistent figures for a short run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-bench-'));
    try {
      const result = await benchIngest({ dir, series: 100, hours: 1, queries: 5 });
      expect(result.series).toBe(100);
      expect(result.samples).toBe(100 * 240);
      expect(result.bytesPerSample).toBeGreaterThan(0);
      expect(result.bytesPerSample).toBeLessThan(8);
      expect(result.queryRangeP99Ms).toBeGreaterThanOrEqual(result.queryRangeP50Ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
