import { describe, expect, it } from 'vitest';
import type { SignalQuery } from '../../api/types.js';
import { groupSignals } from './service-signals.js';

// Names, titles and units as `GET /v1/signals?service=cart` answers them (goldenSignalQueries of @opsloop/telemetry).
const SIGNALS: SignalQuery[] = [
  { name: 'latency_p50', kind: 'latency', title: 'Latency p50', unit: 'seconds', expr: 'p50' },
  { name: 'latency_p99', kind: 'latency', title: 'Latency p99', unit: 'seconds', expr: 'p99' },
  { name: 'traffic', kind: 'traffic', title: 'HTTP requests/s', unit: 'requests/s', expr: 'rate' },
  { name: 'cpu', kind: 'saturation', title: 'CPU (cores)', unit: 'cores', expr: 'cpu' },
];

describe('groupSignals', () => {
  it('groups the latency quantiles and memory on one chart each', () => {
    const groups = groupSignals([
      ...SIGNALS,
      { name: 'memory_rss', kind: 'saturation', title: 'Resident memory', unit: 'bytes', expr: 'a' },
      { name: 'heap_used', kind: 'saturation', title: 'V8 heap used', unit: 'bytes', expr: 'b' },
    ]);
    expect(groups.map((g) => [g.title, g.signals.map((s) => s.name)])).toEqual([
      ['Latency (HTTP)', ['latency_p50', 'latency_p99']],
      ['HTTP requests/s', ['traffic']],
      ['CPU (cores)', ['cpu']],
      ['Memory', ['memory_rss', 'heap_used']],
    ]);
  });
});
