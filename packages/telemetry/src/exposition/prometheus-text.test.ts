import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPrometheusFloat,
  parsePrometheusFloat,
  parsePrometheusText,
  PrometheusTextError,
  renderPrometheusText,
  type MetricFamily,
  type MetricType,
  type Sample,
} from './prometheus-text.js';

const fixture = readFileSync(new URL('./prom-client-fixture.txt', import.meta.url), 'utf8');

function errorOf(text: string): PrometheusTextError {
  try {
    parsePrometheusText(text);
  } catch (error) {
    if (error instanceof PrometheusTextError) return error;
    throw error;
  }
  throw new Error('expected a PrometheusTextError');
}

describe('parsePrometheusText on prom-client output', () => {
  const families = parsePrometheusText(fixture);
  const byName = new Map(families.map((f) => [f.name, f]));

  it('reads every family with its type and help, in order', () => {
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['process_cpu_seconds_total', 'counter'],
      ['process_start_time_seconds', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_version_info', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
      ['http_server_request_duration_seconds', 'histogram'],
      ['weird_total', 'counter'],
    ]);
    expect(byName.get('process_cpu_seconds_total')!.help).toBe(
      'Total user and system CPU time spent in seconds.',
    );
    expect(byName.get('nodejs_gc_duration_seconds')!.samples).toEqual([]);
  });

  it('unescapes HELP text and label values', () => {
    expect(byName.get('weird_total')!.help).toBe('help with \\ backslash\nand newline');
    const routes = new Set(
      byName.get('http_server_request_duration_seconds')!.samples.map((s) => s.labels['route']),
    );
    expect(routes).toEqual(new Set(['/items/:id', '/a "quoted"\\path\nx']));
  });

  it('groups _bucket, _sum and _count samples under their histogram, with le as a label', () => {
    const histogram = byName.get('http_server_request_duration_seconds')!;
    const ok = histogram.samples.filter((s) => s.labels['status'] === '200');
    expect(ok).toHaveLength(17); // 15 buckets, _sum, _count
    expect(ok.find((s) => s.labels['le'] === '0.05')!.value).toBe(1);
    expect(ok.find((s) => s.labels['le'] === '+Inf')!.value).toBe(2);
    expect(ok.find((s) => s.name.endsWith('_sum'))!.value).toBe(0.23);
    expect(ok.find((s) => s.name.endsWith('_count'))).toMatchObject({
      value: 2,
      labels: { service: 'cart', instance: 'cart-0', route: '/items/:id', method: 'GET', status: '200' },
    });
  });
});

describe('parsePrometheusText details', () => {
  it('reads special values, exponents, timestamps, blanks and a trailing comma in labels', () => {
    const [family] = parsePrometheusText(
      [
        '# a comment that is neither HELP nor TYPE',
        'm{a="1",} +Inf',
        'm{a="2"} -Inf 1700000000000',
        'm{a="3"} NaN',
        '  m{ a = "4" } 1.5e-3\t-12',
        'm{a="5"}7',
        '',
      ].join('\n'),
    );
    expect(family!.type).toBe('untyped');
    const values = family!.samples.map((s) => [s.labels['a'], s.value, s.timestampMs]);
    expect(values).toEqual([
      ['1', Infinity, undefined],
      ['2', -Infinity, 1700000000000],
      ['3', NaN, undefined],
      ['4', 0.0015, -12],
      ['5', 7, undefined],
    ]);
  });

  it('accepts a missing final newline, but not CRLF line ends (as Prometheus)', () => {
    const families = parsePrometheusText('# TYPE a counter\na 1\nb 2');
    expect(families.map((f) => [f.name, f.type, f.samples[0]!.value])).toEqual([
      ['a', 'counter', 1],
      ['b', 'untyped', 2],
    ]);
    expect(errorOf('# TYPE a counter\r\na 1\r\n').message).toContain('line 2: "1\\r" is not a number');
  });

  it('keeps a sample named like a histogram part apart when its own TYPE says so', () => {
    const families = parsePrometheusText(
      ['# TYPE h histogram', 'h_bucket{le="+Inf"} 1', 'h_count 1', '# TYPE h_sum gauge', 'h_sum 3'].join(
        '\n',
      ),
    );
    expect(families.map((f) => [f.name, f.samples.length])).toEqual([
      ['h', 2],
      ['h_sum', 1],
    ]);
  });

  it('merges samples of one family that appear in two places, as Prometheus does', () => {
    const families = parsePrometheusText(['# TYPE a gauge', 'a{x="1"} 1', 'b 2', 'a{x="2"} 3'].join('\n'));
    expect(families.find((f) => f.name === 'a')!.samples.map((s) => s.value)).toEqual([1, 3]);
  });

  it('reads summaries (quantile samples, _sum, _count)', () => {
    const [summary] = parsePrometheusText(
      ['# TYPE s summary', 's{quantile="0.5"} 0.2', 's{quantile="0.99"} 0.9', 's_sum 10', 's_count 40'].join(
        '\n',
      ),
    );
    expect(summary!.samples.map((s) => s.name)).toEqual(['s', 's', 's_sum', 's_count']);
  });

  it.each([
    ['m{a="1"} one', 1, 'not a number'],
    ['m{a="1" 1', 1, 'expected "," or "}"'],
    ['m{a="1', 1, 'unterminated value of label a'],
    ['m{a=1} 1', 1, 'expected a quoted value for label a'],
    ['m{a="\\t"} 1', 1, 'invalid escape'],
    ['m{a="1",a="2"} 1', 1, 'duplicate label a'],
    ['m', 1, 'has no value'],
    ['m 1 2 3', 1, 'unexpected text "3"'],
    ['m 1 1.5', 1, 'not a timestamp'],
    ['1m 1', 1, 'expected a metric name'],
    ['m-x 1', 1, 'unexpected character "-"'],
    ['ok 1\n# TYPE x flavour', 2, 'unknown type "flavour"'],
    ['# TYPE x gauge\n# TYPE x gauge', 2, 'second TYPE line for x'],
    ['# HELP x a\n# HELP x b', 2, 'second HELP line for x'],
    ['x 1\n# TYPE x gauge', 2, 'TYPE line for x after its samples'],
    ['# HELP 9x text', 1, 'valid metric name'],
    ['# HELP x bad \\t escape', 1, 'invalid escape'],
    ['# TYPE h histogram\nh 1', 2, 'without _bucket, _sum or _count'],
    ['# TYPE h histogram\nh_bucket 1', 2, 'needs an "le" label'],
    ['# TYPE h histogram\nh_bucket{le="big"} 1', 2, 'le="big"'],
    ['# TYPE s summary\ns 1', 2, 'numeric "quantile" label'],
    ['a{x="1"} 1\na{x="1"} 2', 2, 'duplicate sample a{x="1"}'],
  ])('rejects %j at line %i (%s)', (text, line, message) => {
    const error = errorOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toContain(`line ${line}:`);
    expect(error.message).toContain(message);
  });
});

describe('floats', () => {
  it('parse as Go does for the forms Prometheus writes', () => {
    expect(parsePrometheusFloat('+Inf')).toBe(Infinity);
    expect(parsePrometheusFloat('-inf')).toBe(-Infinity);
    expect(parsePrometheusFloat('NaN')).toBeNaN();
    expect(parsePrometheusFloat('-0')).toBe(-0);
    expect(parsePrometheusFloat('.5')).toBe(0.5);
    expect(parsePrometheusFloat('1e+21')).toBe(1e21);
    expect(parsePrometheusFloat('0x10')).toBeNull();
    expect(parsePrometheusFloat('')).toBeNull();
  });

  it('round-trip through formatPrometheusFloat', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(Object.is(parsePrometheusFloat(formatPrometheusFloat(value)), value)).toBe(true);
      }),
    );
  });
});

// Random metric sets: names that cannot collide through _bucket/_sum/_count suffixes, label values and help
// texts with every character that needs escaping.
const familyName = fc.stringMatching(/^m_[a-z]{1,6}$/);
const labelName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/).filter((n) => n !== 'le' && n !== 'quantile');
const text = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    ' ',
    '\t',
    '\r',
    '\\',
    '"',
    '\n',
    '{',
    '}',
    ',',
    '=',
    'é',
    '#',
    '😀',
    '\u2028',
  ),
});
const labelSet = fc.dictionary(labelName, text, { maxKeys: 3 });
const timestamp = fc.option(fc.integer({ min: -1e12, max: 1e13 }), { nil: undefined });

const sample = (
  name: string,
  labels: Record<string, string>,
  value: number,
  ts: number | undefined,
): Sample => (ts === undefined ? { name, labels, value } : { name, labels, value, timestampMs: ts });

const uniqueLabelSets = (max: number) =>
  fc.uniqueArray(labelSet, { maxLength: max, selector: (l) => JSON.stringify(Object.entries(l).sort()) });

const plainFamily = fc
  .record({
    type: fc.constantFrom<MetricType>('counter', 'gauge', 'untyped'),
    help: text,
    series: uniqueLabelSets(4).chain((sets) =>
      fc.tuple(...sets.map((labels) => fc.tuple(fc.constant(labels), fc.double(), timestamp))),
    ),
  })
  .map(({ type, help, series }) => (name: string): MetricFamily => ({
    name,
    type,
    help,
    samples: series.map(([labels, value, ts]) => sample(name, labels, value, ts)),
  }));

const histogramFamily = fc
  .record({
    help: text,
    bounds: fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 4 }),
    series: uniqueLabelSets(3),
    counts: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
    sum: fc.double(),
  })
  .map(({ help, bounds, series, counts, sum }) => (name: string): MetricFamily => {
    const les = [...bounds.sort((a, b) => a - b).map(formatPrometheusFloat), '+Inf'];
    const samples = series.flatMap((labels) => {
      let cumulative = 0;
      return [
        ...les.map((le, i) => {
          cumulative += counts[i] ?? 0;
          return sample(`${name}_bucket`, { ...labels, le }, cumulative, undefined);
        }),
        sample(`${name}_sum`, labels, sum, undefined),
        sample(`${name}_count`, labels, cumulative, undefined),
      ];
    });
    return { name, type: 'histogram', help, samples };
  });

const metricSet = fc
  .uniqueArray(familyName, { maxLength: 5 })
  .chain((names) =>
    fc.tuple(...names.map((name) => fc.oneof(plainFamily, histogramFamily).map((make) => make(name)))),
  );

describe('property: render then parse gives the same metrics', () => {
  it('for random metric sets (values, labels, escapes, timestamps, histograms)', () => {
    fc.assert(
      fc.property(metricSet, (families) => {
        const parsed = parsePrometheusText(renderPrometheusText(families));
        // Families without samples and help render as a bare TYPE line, which still declares them.
        expect(parsed).toEqual(families);
        for (const [i, family] of families.entries()) {
          family.samples.forEach((s, j) =>
            expect(Object.is(parsed[i]!.samples[j]!.value, s.value)).toBe(true),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('for prom-client output: re-rendering the parsed fixture parses to the same families', () => {
    const parsed = parsePrometheusText(fixture);
    expect(parsePrometheusText(renderPrometheusText(parsed))).toEqual(parsed);
  });
});
