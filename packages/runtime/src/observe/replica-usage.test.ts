import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { createTelemetryBackend } from '@opsloop/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { replicaUsage } from './replica-usage.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('replicaUsage', () => {
  it("reads each replica's CPU and memory from its own process metrics, for the services asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-usage-'));
    dirs.push(dir);
    const clock = createManualClock(1_000_000);
    const backend = await createTelemetryBackend({ dir: join(dir, 'telemetry'), clock });
    try {
      const mib = 1024 * 1024;
      for (let i = 0; i <= 12; i++) {
        const t = 1_000_000 + i * 5000;
        for (const [instance, service, cpuPerSecond, rss] of [
          ['cart-1', 'cart', 0.9, 800 * mib],
          ['cart-2', 'cart', 0.1, 120 * mib],
          ['users-1', 'users', 0.2, 100 * mib],
        ] as const) {
          const labels = { service, instance, job: service };
          backend.tsdb.append({ __name__: 'process_cpu_seconds_total', ...labels }, t, cpuPerSecond * i * 5);
          backend.tsdb.append({ __name__: 'process_resident_memory_bytes', ...labels }, t, rss);
        }
      }
      const usage = await replicaUsage(backend.metrics, ['cart'], 1_060_000);
      expect([...usage.keys()].sort()).toEqual(['cart-1', 'cart-2']);
      expect(usage.get('cart-1')!.cpu).toBeCloseTo(0.9, 1);
      expect(usage.get('cart-2')!.cpu).toBeCloseTo(0.1, 1);
      expect(usage.get('cart-1')!.memoryBytes).toBe(800 * mib);
      // A name a query cannot hold safely is left out, not interpolated.
      expect((await replicaUsage(backend.metrics, ['cart"} or vector(1) #'], 1_060_000)).size).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
