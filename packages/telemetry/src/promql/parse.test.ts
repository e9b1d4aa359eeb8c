import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr } from './ast.js';
import { PromqlParseError } from './errors.js';
import { parsePromql, parseSeriesSelector } from './parse.js';

function parseError(query: string): PromqlParseError {
  try {
    parsePromql(query);
  } catch (error) {
    if (error instanceof PromqlParseError) return error;
    throw error;
  }
  throw new Error(`expected ${query} not to parse`);
}

/** The AST without positions, for compact expectations. */
function shape(expr: Expr): unknown {
  return JSON.parse(JSON.stringify(expr, (key, value: unknown) => (key === 'pos' ? undefined : value)));
}

describe('parsePromql: valid queries', () => {
  it('reads selectors with every matcher type, the name matcher last', () => {
    const e = parsePromql('http_requests_total{job="api", code!="200", path=~"/a.*", method!~"GET|HEAD"}');
    expect(e).toMatchObject({
      type: 'vectorSelector',
      name: 'http_requests_total',
      matchers: [
        { name: 'job', type: '=', value: 'api' },
        { name: 'code', type: '!=', value: '200' },
        { name: 'path', type: '=~', value: '/a.*' },
        { name: 'method', type: '!~', value: 'GET|HEAD' },
        { name: '__name__', type: '=', value: 'http_requests_total' },
      ],
      offsetMs: 0,
    });
  });

  it.each([
    ['x[5m]', 300_000],
    ['x[1h30m]', 5_400_000],
    ['x[250ms]', 250],
    ['x[1y]', 365 * 86_400_000],
    ['x[2w1d]', 15 * 86_400_000],
  ])('reads the duration of %s', (query, ms) => {
    expect(parsePromql(query)).toMatchObject({ type: 'matrixSelector', rangeMs: ms });
  });

  it.each([
    ['0x1f', 31],
    ['010', 8],
    ['09', 9],
    ['1e3', 1000],
    ['.5', 0.5],
    ['Inf', Infinity],
    ['-inf', -Infinity],
    ['1_000', 1000],
  ])('reads the number %s like Prometheus', (query, value) => {
    expect(parsePromql(query)).toMatchObject({ type: 'number', value });
  });

  it('reads NaN', () => {
    const e = parsePromql('NaN');
    expect(e.type === 'number' && Number.isNaN(e.value)).toBe(true);
  });

  it.each([
    [String.raw`"a\"b\n\t\\"`, 'a"b\n\t\\'],
    [String.raw`'it\'s \x41\u00e9\101'`, "it's Aé" + 'A'],
    ['`raw \\n`', 'raw \\n'],
  ])('unquotes the string %s', (query, value) => {
    expect(parsePromql(query)).toMatchObject({ type: 'string', value });
  });

  it('attaches offset and @ to the selector inside a range, in either order', () => {
    const a = parsePromql('rate(x[5m] offset 1m @ 100)');
    const b = parsePromql('rate(x[5m] @ 100 offset 1m)');
    expect(shape(a)).toEqual(shape(b));
    expect(a).toMatchObject({
      args: [
        {
          type: 'matrixSelector',
          selector: { offsetMs: 60_000, at: { kind: 'timestamp', timestampMs: 100_000 } },
        },
      ],
    });
    expect(parsePromql('x offset -5m')).toMatchObject({ offsetMs: -300_000 });
    expect(parsePromql('x @ start()')).toMatchObject({ at: { kind: 'start' } });
    expect(parsePromql('x @ end()')).toMatchObject({ at: { kind: 'end' } });
    expect(parsePromql('x @ 1.2345')).toMatchObject({ at: { timestampMs: 1235 } });
  });

  it('reads subqueries with and without a step, with their own offset', () => {
    expect(parsePromql('max_over_time(rate(x[1m])[1h:5m] offset 1m)')).toMatchObject({
      args: [{ type: 'subquery', rangeMs: 3_600_000, stepMs: 300_000, offsetMs: 60_000 }],
    });
    expect(parsePromql('x[10m:]')).toMatchObject({ type: 'subquery', stepMs: undefined });
  });

  it('binds range, offset and @ to the nearest operand, like Prometheus', () => {
    expect(parsePromql('a + b offset 5m')).toMatchObject({
      type: 'binary',
      lhs: { name: 'a', offsetMs: 0 },
      rhs: { name: 'b', offsetMs: 300_000 },
    });
    expect(parsePromql('-x @ 5')).toMatchObject({ type: 'unary', expr: { at: { timestampMs: 5000 } } });
    expect(parsePromql('-2 ^ 2')).toMatchObject({
      type: 'unary',
      op: '-',
      expr: { type: 'binary', op: '^' },
    });
  });

  it.each([
    ['a unless b offset 1m + c', '(a unless (b@1m + c))'],
    ['a + b offset 1m * c', '(a + (b@1m * c))'],
    ['-x offset 1m ^ 2', '-(x@1m ^ 2)'],
    ['a - b offset 1m - c', '((a - b@1m) - c)'],
    ['a ^ b offset 1m ^ c', '(a ^ (b@1m ^ c))'],
    ['(a + b) offset 1m', 'error'],
  ])('keeps operator precedence around postfix modifiers: %s', (query, expected) => {
    const show = (e: Expr): string => {
      if (e.type === 'binary') return `(${show(e.lhs)} ${e.op} ${show(e.rhs)})`;
      if (e.type === 'unary') return `${e.op}${show(e.expr)}`;
      if (e.type === 'vectorSelector') return `${e.name}${e.offsetMs ? `@${e.offsetMs / 60_000}m` : ''}`;
      return e.type === 'number' ? String(e.value) : e.type;
    };
    if (expected === 'error') expect(() => parsePromql(query)).toThrow(PromqlParseError);
    else expect(show(parsePromql(query))).toBe(expected);
  });

  it('reads aggregations with by/without before or after, and parameters', () => {
    const a = parsePromql('sum by (job, instance) (x)');
    const b = parsePromql('SUM(x) BY (job, instance)');
    expect(shape(a)).toEqual(shape(b));
    expect(a).toMatchObject({ op: 'sum', grouping: ['job', 'instance'], without: false });
    expect(parsePromql('topk without (a) (3, x)')).toMatchObject({
      op: 'topk',
      without: true,
      param: { type: 'number', value: 3 },
    });
    expect(parsePromql('count_values("v", x)')).toMatchObject({ param: { type: 'string', value: 'v' } });
  });

  it('reads binary modifiers and makes set operators many-to-many', () => {
    expect(parsePromql('a / on(job) group_left(version) b')).toMatchObject({
      matching: { card: 'many-to-one', on: true, labels: ['job'], include: ['version'] },
    });
    expect(parsePromql('a - ignoring(x) group_right b')).toMatchObject({
      matching: { card: 'one-to-many', on: false, labels: ['x'], include: [] },
    });
    expect(parsePromql('a > bool b')).toMatchObject({ returnBool: true, matching: { card: 'one-to-one' } });
    expect(parsePromql('a and on() b')).toMatchObject({ matching: { card: 'many-to-many', on: true } });
    expect(parsePromql('a * 2')).toMatchObject({ matching: undefined });
  });

  it('follows operator precedence and associativity', () => {
    const e = parsePromql('x + 2 * 3 ^ 2 ^ 2 or a and b');
    expect(e).toMatchObject({
      op: 'or',
      lhs: { op: '+', rhs: { op: '*', rhs: { op: '^', rhs: { op: '^' } } } },
    });
    expect(parsePromql('a - b - c')).toMatchObject({ op: '-', lhs: { op: '-' } });
  });

  it('skips comments and accepts keywords in any case', () => {
    expect(parsePromql('sum(x) # total\n')).toMatchObject({ type: 'aggregation' });
    expect(parsePromql('a AND ON(x) b')).toMatchObject({ op: 'and' });
  });

  it('parses series selectors for the API', () => {
    expect(parseSeriesSelector('up{job="a"}')).toHaveLength(2);
    expect(() => parseSeriesSelector('rate(x[5m])')).toThrow(PromqlParseError);
  });
});

// Messages and positions as Prometheus 2.42 reports them (checked against the real server).
describe('parsePromql: errors', () => {
  it.each([
    ['', '1:1: parse error: no expression found in input'],
    ['sum(', '1:5: parse error: unclosed left parenthesis'],
    ['foo{', '1:5: parse error: unexpected end of input inside braces'],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    ['5m', '1:1: parse error: unexpected duration "5m"'],
    ['x +', '1:4: parse error: unexpected end of input'],
    ['x{a="b" b="c"}', '1:9: parse error: unexpected identifier "b" in label matching, expected "," or "}"'],
    ['x !=~ y', "1:5: parse error: unexpected character: '~'"],
    ['x)', "1:2: parse error: unexpected right parenthesis ')'"],
    ["'unterminated", '1:1: parse error: unterminated quoted string'],
    ['x{a="\\q"}', "1:5: parse error: unknown escape sequence U+0071 'q'"],
    ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
    ['foo(bar)', '1:1: parse error: unknown function with name "foo"'],
    ['Rate(x[1m])', '1:1: parse error: unknown function with name "Rate"'],
    ['limitk(1, x)', '1:1: parse error: unknown function with name "limitk"'],
    ['atan2(x, 10)', '1:1: parse error: unexpected <op:atan2>'],
    ['x[5]', '1:3: parse error: missing unit character in duration'],
    ['x offset 0s', '1:10: parse error: duration must be greater than 0'],
    ['x[1m:0s]', '1:6: parse error: duration must be greater than 0'],
    ['x[5m+1m]', '1:5: parse error: unexpected <op:+> in subquery or range, expected ":" or "]"'],
    ['(x)[5m]', '1:4: parse error: ranges only allowed for vector selectors'],
    ['x[5m:1m][5m]', '1:9: parse error: ranges only allowed for vector selectors'],
    ['x offset 1m [5m]', '1:13: parse error: no offset modifiers allowed before range'],
    ['x[5m] offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
    [
      'rate(x[5m]) offset 1m',
      '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    ],
    [
      '1 @ 10',
      '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    ],
    ['x @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
    ['x @ 5m', '1:5: parse error: unexpected duration "5m" in @, expected timestamp'],
    ['x @ inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
    [
      'sum(x[5m])',
      '1:5: parse error: expected type instant vector in aggregation expression, got range vector',
    ],
    [
      'sum(rate(x))',
      '1:10: parse error: expected type range vector in call to function "rate", got instant vector',
    ],
    ['abs(x, y)', '1:1: parse error: expected 1 argument(s) in call to "abs", got 2'],
    ['label_join(x)', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1'],
    ['round(x, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
    ['round(x, "a")', '1:10: parse error: expected type scalar in call to function "round", got string'],
    [
      'topk(x)',
      '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1',
    ],
    ['topk("a", x)', '1:6: parse error: expected type scalar in aggregation parameter, got string'],
    ['count_values(1, x)', '1:14: parse error: expected type string in aggregation parameter, got scalar'],
    ['sum() (x)', '1:7: parse error: unexpected "("'],
    ['sum by (a) (x) without (b)', '1:16: parse error: unexpected <without>'],
    ['sum(x) by ("a")', '1:12: parse error: unexpected string "\\"a\\"" in grouping opts, expected label'],
    ['x and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
    [
      'x + on(a) group_left(a) y',
      '1:3: parse error: label "a" must not occur in ON and GROUP clause at once',
    ],
    ['x + bool y', '1:3: parse error: bool modifier can only be used on comparison operators'],
    ['1 > 2', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
    ['"a" + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
    ['a + b[5m]', '1:5: parse error: binary expression must contain only scalar and instant vector types'],
    [
      '-x[5m]',
      '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
    ],
    [
      '{"a"="b"}',
      '1:2: parse error: unexpected string "\\"a\\"" in label matching, expected identifier or "}"',
    ],
    ['x +\n  y z', '2:5: parse error: unexpected identifier "z"'],
  ])('%j → %s', (query, message) => {
    expect(parseError(query).message).toBe(message);
  });

  it('reports the offending range and the bare description', () => {
    const error = parseError('sum(rate(x))');
    expect(error.position).toEqual({ start: 9, end: 10 });
    expect(error.detail).toBe('expected type range vector in call to function "rate", got instant vector');
    expect(error.errorType).toBe('bad_data');
  });

  it('rejects invalid regular expressions', () => {
    expect(parseError('x{a=~"("}').message).toMatch(/^1:3: parse error: error parsing regexp: /);
  });

  it('never throws anything but PromqlParseError on arbitrary input (property)', () => {
    const alphabet = fc.constantFrom(
      ...'ab(){}[]"\',:=!~+-*/^%<>@ 01.5mxs#\n'.split(''),
      'sum',
      'rate',
      'by',
      'offset',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }), (parts) => {
        const query = parts.join('');
        try {
          parsePromql(query);
        } catch (error) {
          expect(error).toBeInstanceOf(PromqlParseError);
          const { start, end } = (error as PromqlParseError).position;
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(query.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
