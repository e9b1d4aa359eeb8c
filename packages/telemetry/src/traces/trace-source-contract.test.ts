import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJaegerTraceSource } from './adapters/jaeger-trace-source.js';
import { createTempoTraceSource } from './adapters/tempo-trace-source.js';
import { startJaegerFixture } from './adapters/testing/jaeger-fixture.js';
import { startTempoFixture } from './adapters/testing/tempo-fixture.js';
import { CONTRACT_T0, traceSourceContract } from './trace-source.contract.js';
import { createTraceStore } from './trace-store.js';

traceSourceContract(
  'embedded store',
  async (spans) => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-contract-'));
    // Several small segments, and a restart, so the contract also covers the rebuilt index.
    const first = await createTraceStore({ dir, segmentBytes: 8192, now: () => CONTRACT_T0 });
    await first.append(spans.slice(0, 60));
    await first.append(spans.slice(60));
    await first.close();
    const store = await createTraceStore({ dir, segmentBytes: 8192, now: () => CONTRACT_T0 });
    return {
      source: store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { dependencyDetails: true },
);

traceSourceContract(
  'Jaeger adapter (jaeger-query stand-in)',
  async (spans) => {
    const server = await startJaegerFixture(spans);
    return { source: createJaegerTraceSource({ baseUrl: server.url }), close: server.close };
  },
  { dependencyDetails: false },
);

traceSourceContract(
  'Tempo adapter, TraceQL search (Tempo stand-in)',
  async (spans) => {
    const server = await startTempoFixture(spans);
    return { source: createTempoTraceSource({ baseUrl: server.url }), close: server.close };
  },
  { dependencyDetails: true },
);

traceSourceContract(
  'Tempo adapter, tag search (Tempo stand-in)',
  async (spans) => {
    const server = await startTempoFixture(spans);
    return {
      source: createTempoTraceSource({ baseUrl: `${server.url}/`, mode: 'tags' }),
      close: server.close,
    };
  },
  { dependencyDetails: true },
);
