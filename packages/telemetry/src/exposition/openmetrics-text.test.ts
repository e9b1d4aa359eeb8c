import { Counter, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OpenMetricsTextError, parseOpenMetricsText } from './openmetrics-text.js';
import { parseExposition } from './parse-exposition.js';

function errorOf(text: string): OpenMetricsTextError {
  try {
    parseOpenMetricsText(text);
  } catch (error) {
    if (error instanceof OpenMetricsTextError) return error;
    throw error;
  }
  throw new Error('expected an OpenMetricsTextError');
}

const EXAMPLE = [
  '# TYPE http_requests counter',
  '# HELP http_requests Requests \\"served\\".',
  'http_requests_total{code="200"} 1027 1700000000.5 # {trace_id="abc"} 1 1700000000.25',
  'http_requests_created{code="200"} 1600000000',
  '# TYPE latency_seconds histogram',
  '# UNIT latency_seconds seconds',
  'latency_seconds_bucket{le="0.1"} 2',
  'latency_seconds_bucket{le="+Inf"} 3 # {trace_id="def",span_id="01"} 0.7',
  'latency_seconds_sum 1.1',
  'latency_seconds_count 3',
  'latency_seconds_created 1600000000',
  '# TYPE temperature gauge',
  'temperature{room="a\\nb"} -Inf',
  'loose_sample 7',
  '# TYPE build info',
  'build_info{version="1"} 1',
  '# EOF',
  '',
].join('\n');

describe('parseOpenMetricsText', () => {
  it('reads families, exemplars and second timestamps, and drops _created samples', () => {
    const families = parseOpenMetricsText(EXAMPLE);
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['http_requests', 'counter'],
      ['latency_seconds', 'histogram'],
      ['temperature', 'gauge'],
      ['loose_sample', 'untyped'],
      ['build', 'untyped'],
    ]);
    const [requests, latency, temperature] = families;
    expect(requests?.help).toBe('Requests "served".');
    expect(requests?.samples).toEqual([
      {
        name: 'http_requests_total',
        labels: { code: '200' },
        value: 1027,
        timestampMs: 1_700_000_000_500,
        exemplar: { labels: { trace_id: 'abc' }, value: 1, timestampMs: 1_700_000_000_250 },
      },
    ]);
    expect(latency?.samples.map((s) => s.name)).toEqual([
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_sum',
      'latency_seconds_count',
    ]);
    expect(latency?.samples[1]?.exemplar).toEqual({ labels: { trace_id: 'def', span_id: '01' }, value: 0.7 });
    expect(latency?.samples[0]?.exemplar).toBeUndefined();
    expect(temperature?.samples[0]).toEqual({
      name: 'temperature',
      labels: { room: 'a\nb' },
      value: -Infinity,
    });
  });

  it('reads what prom-client writes for an OpenMetrics registry', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const counter = new Counter({
      name: 'jobs_total',
      help: 'Jobs.',
      labelNames: ['kind'] as const,
      enableExemplars: true,
      registers: [registry],
    });
    const histogram = new Histogram({
      name: 'job_seconds',
      help: 'Job time.',
      buckets: [1],
      enableExemplars: true,
      registers: [registry],
    });
    // prom-client types exemplar labels by the metric's own label names; exemplars have others.
    counter.inc({
      labels: { kind: 'a' },
      value: 2,
      exemplarLabels: { trace_id: 't1' } as Record<never, string>,
    });
    histogram.observe({ value: 0.5, exemplarLabels: { trace_id: 't2' } });
    const families = parseOpenMetricsText(await registry.metrics());
    const total = families.find((f) => f.name === 'jobs')?.samples[0];
    expect(total).toMatchObject({
      name: 'jobs_total',
      value: 2,
      exemplar: { labels: { trace_id: 't1' }, value: 2 },
    });
    expect(total?.exemplar?.timestampMs).toBeGreaterThan(0);
    const bucket = families.find((f) => f.name === 'job_seconds')?.samples[0];
    expect(bucket).toMatchObject({
      labels: { le: '1' },
      exemplar: { labels: { trace_id: 't2' }, value: 0.5 },
    });
  });

  it.each([
    ['a 1\n', 1, 'does not end with "# EOF"'],
    ['a 1\n# EOF\nb 2\n', 3, 'text after "# EOF"'],
    ['a 1\n\n# EOF\n', 2, 'blank line'],
    ['# just a comment\n# EOF\n', 1, 'expected "# HELP", "# TYPE", "# UNIT" or "# EOF"'],
    ['# TYPE a gauge\n# TYPE a gauge\n# EOF\n', 2, 'second TYPE line for a'],
    ['# TYPE a foo\n# EOF\n', 1, 'unknown type "foo"'],
    ['a 1\n# TYPE a gauge\n# EOF\n', 2, 'TYPE line for a after its samples'],
    ['a 1\nb 1\na{x="1"} 2\n# EOF\n', 3, 'a appears again after other families'],
    ['# TYPE c counter\nc 1\n# EOF\n', 2, 'sample c does not fit counter c (expected c_total, c_created)'],
    ['a  1\n# EOF\n', 1, 'single spaces'],
    ['a{x="1",} 1\n# EOF\n', 1, 'expected a label name (column 9)'],
    ['a{x="\\t"} 1\n# EOF\n', 1, 'invalid escape'],
    ['a one\n# EOF\n', 1, '"one" is not a number'],
    ['a 1 12:00\n# EOF\n', 1, 'not a timestamp in seconds'],
    ['a 1 # {t="x"} 1\n# EOF\n', 1, 'only counter totals and histogram buckets'],
    ['# TYPE c counter\nc_total 1 # t="x" 1\n# EOF\n', 2, "expected the exemplar's label set"],
    [`# TYPE c counter\nc_total 1 # {t="${'x'.repeat(128)}"} 1\n# EOF\n`, 2, 'at most 128'],
    ['# TYPE h histogram\nh_bucket 1\n# EOF\n', 2, 'needs an "le" label'],
    ['a 1\na 2\n# EOF\n', 2, 'duplicate sample a{}'],
  ])('rejects %j at line %i', (text, line, message) => {
    const error = errorOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toContain(message);
    expect(error.message.startsWith(`line ${line}: `)).toBe(true);
  });
});

describe('parseExposition', () => {
  it('picks the parser by content type', () => {
    const om = 'a 1 5\n# EOF\n';
    expect(
      parseExposition(om, 'application/openmetrics-text; version=1.0.0; charset=utf-8')[0]?.samples[0]
        ?.timestampMs,
    ).toBe(5000);
    // The 0.0.4 text reads `# EOF` as a comment and timestamps as milliseconds.
    expect(parseExposition(om, 'text/plain; version=0.0.4')[0]?.samples[0]?.timestampMs).toBe(5);
    expect(parseExposition('a 1 5\n', undefined)[0]?.samples[0]?.timestampMs).toBe(5);
    expect(() => parseExposition('a 1 5\n', 'application/openmetrics-text')).toThrow(OpenMetricsTextError);
  });
});
