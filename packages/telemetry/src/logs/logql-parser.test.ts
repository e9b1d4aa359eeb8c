import { describe, expect, it } from 'vitest';
import { LogqlParseError } from './logql-parse-error.js';
import { parseLogql, parseStreamSelector } from './logql-parser.js';

function failure(query: string): LogqlParseError {
  try {
    parseLogql(query);
  } catch (error) {
    if (error instanceof LogqlParseError) return error;
    throw error;
  }
  throw new Error(`expected ${query} to be refused`);
}

describe('log queries', () => {
  it('reads selectors with all four matchers and chained line filters', () => {
    expect(parseLogql('{app="a", b!="c", d=~"x.*", e!~"y"} |= "foo" != "bar" |~ "a|b" !~ `z\\d`')).toEqual({
      kind: 'log',
      matchers: [
        { name: 'app', type: '=', value: 'a' },
        { name: 'b', type: '!=', value: 'c' },
        { name: 'd', type: '=~', value: 'x.*' },
        { name: 'e', type: '!~', value: 'y' },
      ],
      pipeline: [
        { kind: 'lineFilter', op: '|=', values: ['foo'] },
        { kind: 'lineFilter', op: '!=', values: ['bar'] },
        { kind: 'lineFilter', op: '|~', values: ['a|b'] },
        { kind: 'lineFilter', op: '!~', values: ['z\\d'] },
      ],
    });
  });

  it('reads `or` alternatives of a line filter and Go string escapes', () => {
    expect(parseLogql('{a="b"} |= "x" or "y\\n" or "\\u00e9"')).toMatchObject({
      pipeline: [{ kind: 'lineFilter', op: '|=', values: ['x', 'y\n', 'é'] }],
    });
  });

  it('reads parsers, label filters with precedence, line_format, drop and keep', () => {
    const expr = parseLogql(
      '{a="b"} | json | logfmt --strict | level="error" or status >= 500 and duration > 1s, size <= 10KB | json m="req.method" | line_format "{{.msg}} {{ __line__ }}" | drop x | keep y',
    );
    expect(expr).toEqual({
      kind: 'log',
      matchers: [{ name: 'a', type: '=', value: 'b' }],
      pipeline: [
        { kind: 'json', extractions: [] },
        { kind: 'logfmt', extractions: [], strict: true, keepEmpty: false },
        {
          kind: 'labelFilter',
          filter: {
            kind: 'or',
            left: { kind: 'match', matcher: { name: 'level', type: '=', value: 'error' } },
            right: {
              kind: 'and',
              left: {
                kind: 'and',
                left: { kind: 'number', name: 'status', op: '>=', value: 500 },
                right: { kind: 'duration', name: 'duration', op: '>', value: 1 },
              },
              right: { kind: 'bytes', name: 'size', op: '<=', value: 10_000 },
            },
          },
        },
        { kind: 'json', extractions: [{ label: 'm', expression: 'req.method' }] },
        { kind: 'lineFormat', parts: [{ label: 'msg' }, { text: ' ' }, { label: '__line__' }] },
        { kind: 'drop', labels: ['x'] },
        { kind: 'keep', labels: ['y'] },
      ],
    });
  });

  it('reads a bare selector for push labels and series', () => {
    expect(parseStreamSelector('{app="api", env="prod"}')).toEqual([
      { name: 'app', type: '=', value: 'api' },
      { name: 'env', type: '=', value: 'prod' },
    ]);
    expect(() => parseStreamSelector('{app="api"} |= "x"')).toThrow(/stream selector is required/);
  });
});

describe('metric queries', () => {
  it('reads vector aggregations over range aggregations with grouping either side', () => {
    expect(parseLogql('sum by (service) (rate({a="b"} |= "x" [5m]))')).toEqual({
      kind: 'vector',
      op: 'sum',
      param: undefined,
      grouping: { without: false, labels: ['service'] },
      inner: {
        kind: 'range',
        op: 'rate',
        param: undefined,
        log: {
          kind: 'log',
          matchers: [{ name: 'a', type: '=', value: 'b' }],
          pipeline: [{ kind: 'lineFilter', op: '|=', values: ['x'] }],
        },
        rangeMs: 300_000,
        offsetMs: 0,
        unwrap: undefined,
        grouping: undefined,
      },
    });
    expect(
      parseLogql('topk(3, sum(count_over_time({a="b"}[1h30m] offset 2m)) without (instance))'),
    ).toMatchObject({
      op: 'topk',
      param: 3,
      inner: {
        op: 'sum',
        grouping: { without: true, labels: ['instance'] },
        inner: { rangeMs: 5_400_000, offsetMs: 120_000 },
      },
    });
  });

  it('reads unwrap with conversions and post filters', () => {
    expect(
      parseLogql(
        'quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) | __error__="" [5m]) by (svc)',
      ),
    ).toMatchObject({
      kind: 'range',
      op: 'quantile_over_time',
      param: 0.99,
      log: { pipeline: [{ kind: 'json' }] },
      unwrap: {
        label: 'latency',
        conversion: 'duration',
        filters: [{ kind: 'match', matcher: { name: '__error__', type: '=', value: '' } }],
      },
      grouping: { without: false, labels: ['svc'] },
    });
  });
});

describe('errors', () => {
  it.each([
    ['{app="a"', 8, 8, 'parse error at line 1, col 9: syntax error: unexpected $end'],
    ['', 0, 0, 'parse error at line 1, col 1: syntax error: unexpected $end'],
    ['foo', 0, 3, 'parse error at line 1, col 1: syntax error: unexpected "foo"'],
    ['{a="b"} | x > "s"', 14, 17, 'parse error at line 1, col 15: syntax error: unexpected "\\"s\\""'],
    ['{a="b"}\n|= ', 11, 11, 'parse error at line 2, col 4: syntax error: unexpected $end'],
  ])('%j is a syntax error at its position', (query, start, end, message) => {
    const error = failure(query);
    expect(error.message).toBe(message);
    expect(error.position).toEqual({ start, end });
  });

  it.each([
    [
      '{a=~".*"}',
      'queries require at least one regexp or equality matcher that does not have an empty-compatible value',
    ],
    ['{a!="x"}', 'queries require at least one regexp or equality matcher'],
    ['sum_over_time({a="b"}[5m])', 'invalid aggregation sum_over_time without unwrap'],
    ['count_over_time({a="b"} | unwrap x [5m])', 'invalid aggregation count_over_time with unwrap'],
    ['count_over_time({a="b"}[5m]) by (x)', 'grouping not allowed for count_over_time aggregation'],
    ['quantile_over_time({a="b"} | unwrap x [5m])', 'parameter required for quantile_over_time'],
    ['topk(0, count_over_time({a="b"}[5m]))', 'invalid parameter for topk'],
    ['sum(count_over_time({a="b"}[5m])) + 1', 'unsupported: binary operations'],
    ['{a="b"} | label_format x=y', 'unsupported pipeline stage: label_format'],
    ['{a="b"} | unpack', 'unsupported parser: unpack'],
    ['{a="b"} |~ "("', 'error parsing regexp'],
    ['{a="b"} | line_format "{{ .a | upper }}"', 'unsupported template action'],
    ['{a="b"} |= "unterminated', 'syntax error: literal not terminated'],
  ])('%j is refused: %s', (query, reason) => {
    const error = failure(query);
    expect(error.message).toMatch(/^parse error at line \d+, col \d+: /);
    expect(error.reason).toContain(reason);
    expect(error.position.end).toBeGreaterThan(error.position.start);
  });

  it('points at the offending literal', () => {
    const query = '{a="b"} |~ "ok" |~ "(bad"';
    const error = failure(query);
    expect(query.slice(error.position.start, error.position.end)).toBe('"(bad"');
    expect(error.column).toBe(20);
  });
});
