import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderOpenMetrics } from './openmetrics-text.js';

function registryWithEverything() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'demo' });
  const requests = new Counter({
    name: 'demo_requests_total',
    help: 'Requests "served".',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const legacy = new Counter({
    name: 'demo_legacy',
    help: 'A counter without _total.',
    registers: [registry],
  });
  const temperature = new Gauge({ name: 'demo_temperature', help: 'Line\none.', registers: [registry] });
  const latency = new Histogram({
    name: 'demo_latency_seconds',
    help: 'Latency.',
    buckets: [0.1, 1],
    enableExemplars: true,
    registers: [],
  });
  registry.registerMetric(latency);
  const sizes = new Summary({
    name: 'demo_size_bytes',
    help: 'Sizes.',
    percentiles: [0.5],
    registers: [registry],
  });
  requests.inc({ code: '200' }, 3);
  legacy.inc();
  temperature.set(-Infinity);
  latency.observe({ value: 0.5, exemplarLabels: { trace_id: 'abc', span_id: 'def' } });
  latency.observe({ value: 0.05 });
  sizes.observe(10);
  return registry;
}

describe('renderOpenMetrics', () => {
  it('writes every family in OpenMetrics form, with the exemplar on its bucket, and ends with # EOF', async () => {
    const text = await renderOpenMetrics(registryWithEverything());
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('# EOF');
    expect(text).toContain('# TYPE demo_requests counter\n# HELP demo_requests Requests \\"served\\".\n');
    expect(text).toContain('demo_requests_total{code="200",service="demo"} 3\n');
    // No _total is invented: the series keeps the name it has in the 0.0.4 text.
    expect(text).toContain('# TYPE demo_legacy unknown\n');
    expect(text).toContain('demo_legacy{service="demo"} 1\n');
    expect(text).toContain('# HELP demo_temperature Line\\none.\ndemo_temperature{service="demo"} -Inf\n');
    const bucket = lines.find((l) => l.startsWith('demo_latency_seconds_bucket{le="1"'));
    expect(bucket).toMatch(
      /^demo_latency_seconds_bucket\{le="1",service="demo"\} 2 # \{trace_id="abc",span_id="def"\} 0\.5 \d+(\.\d+)?$/,
    );
    // The observation without exemplar labels leaves its bucket without an exemplar.
    expect(lines.find((l) => l.startsWith('demo_latency_seconds_bucket{le="0.1"'))).not.toContain('#');
    expect(text).toContain('demo_latency_seconds_count{service="demo"} 2\n');
    expect(text).toContain('# TYPE demo_size_bytes summary\n');
    expect(text).toContain('demo_size_bytes{quantile="0.5",service="demo"} 10\n');
    // Every line is a descriptor, a sample (optionally with an exemplar) or the final # EOF.
    const sample = /^[a-zA-Z_:][\w:]*(\{[^}]*\})? \S+( # \{[^}]*\} \S+( \S+)?)?$/;
    for (const line of lines.slice(0, -2))
      expect(line.startsWith('# TYPE ') || line.startsWith('# HELP ') || sample.test(line)).toBe(true);
  });

  it('leaves the registry and its 0.0.4 text as they were', async () => {
    const registry = registryWithEverything();
    const before = await registry.metrics();
    await renderOpenMetrics(registry);
    expect(await registry.metrics()).toBe(before);
    expect(before).toContain('demo_requests_total{code="200",service="demo"} 3\n');
    expect(before).not.toContain('trace_id');
    expect(before).not.toContain('# EOF');
  });
});
