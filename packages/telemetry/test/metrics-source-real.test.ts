import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrometheusMetricsSource } from '../src/metrics/adapters/prometheus-metrics-source.js';
import { MetricsQueryError } from '../src/metrics/metrics-source.js';
import { createRemoteWriteClient } from '../src/metrics/remote-write.js';
import { contractDataset, describeMetricsSourceContract } from './metrics-source.contract.js';
import {
  PROMETHEUS_BIN,
  VICTORIA_METRICS_BIN,
  startPrometheus,
  startVictoriaMetrics,
} from './support/real-servers.js';

describe.skipIf(PROMETHEUS_BIN === '')('Prometheus adapter against a real Prometheus', () => {
  describeMetricsSourceContract('Prometheus', async (end) => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-prometheus-'));
    const server = await startPrometheus(dir);
    await createRemoteWriteClient({ url: `${server.url}/api/v1/write` }).send(contractDataset(end));
    return {
      source: createPrometheusMetricsSource({ baseUrl: server.url }),
      async close() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe.skipIf(VICTORIA_METRICS_BIN === '')('Prometheus adapter against a real VictoriaMetrics', () => {
  describeMetricsSourceContract(
    'VictoriaMetrics',
    async (end) => {
      const dir = mkdtempSync(join(tmpdir(), 'opsloop-victoria-'));
      const server = await startVictoriaMetrics(dir);
      await createRemoteWriteClient({ url: `${server.url}/api/v1/write` }).send(contractDataset(end));
      // Written samples become searchable once flushed from the in-memory buffers.
      await fetch(`${server.url}/internal/force_flush`);
      return {
        source: createPrometheusMetricsSource({ baseUrl: server.url }),
        async close() {
          await server.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    { scalarAsVector: true },
  );
});

describe('Prometheus adapter without a server', () => {
  it('reports an unreachable server as unavailable, in bounded time', async () => {
    const source = createPrometheusMetricsSource({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 });
    const error = await source.instantQuery('up', Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsQueryError);
    expect((error as MetricsQueryError).kind).toBe('unavailable');
  });
});
