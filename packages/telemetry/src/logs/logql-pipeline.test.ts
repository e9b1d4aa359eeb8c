import { describe, expect, it } from 'vitest';
import type { Labels } from '../model/labels.js';
import { parseLogql } from './logql-parser.js';
import { compilePipeline, type PipelineOutput } from './logql-pipeline.js';

const STREAM: Labels = { service: 'orders', level: 'info' };

function run(query: string, line: string, labels: Labels = STREAM): PipelineOutput | undefined {
  const expr = parseLogql(`{service="orders"} ${query}`);
  if (expr.kind !== 'log') throw new Error('not a log query');
  return compilePipeline(expr.pipeline)(line, labels);
}

const PINO =
  '{"level":30,"time":"2026-12-06T17:00:00.000Z","msg":"order placed","req":{"method":"POST","url":"/orders","headers":{"x-id":"7"}},"status":201,"tags":["a"],"ok":true,"nil":null,"duration":"1.5s","size":"2KiB"}';

describe('line filters', () => {
  it.each([
    ['|= "placed"', true],
    ['|= "missing"', false],
    ['!= "placed"', false],
    ['|~ "order (placed|failed)"', true],
    ['|~ "(?i)ORDER PLACED"', true],
    ['!~ "plac.d"', false],
    ['|= "missing" or "placed"', true],
    ['!= "missing" or "placed"', false],
    ['!= "missing" or "absent"', true],
    ['|= "order" |= "placed" != "failed"', true],
    ['|= "order" != "placed"', false],
  ])('%s → %s', (query, kept) => {
    expect(run(query, PINO) !== undefined).toBe(kept);
  });
});

describe('parsers', () => {
  it('json flattens nested objects with _, skips arrays and null, suffixes clashes with stream labels', () => {
    expect(run('| json', PINO)?.labels).toEqual({
      service: 'orders',
      level: 'info',
      level_extracted: '30',
      time: '2026-12-06T17:00:00.000Z',
      msg: 'order placed',
      req_method: 'POST',
      req_url: '/orders',
      req_headers_x_id: '7',
      status: '201',
      ok: 'true',
      duration: '1.5s',
      size: '2KiB',
    });
  });

  it('json with expressions extracts only the listed paths', () => {
    expect(
      run('| json m="req.method", first="tags[0]", h="req.headers[\\"x-id\\"]", r="req.headers"', PINO)
        ?.labels,
    ).toEqual({
      ...STREAM,
      m: 'POST',
      first: 'a',
      h: '7',
      r: '{"x-id":"7"}',
    });
  });

  it('a line that is not JSON keeps flowing with __error__, which a filter can drop', () => {
    expect(run('| json', 'Error: boom')?.labels).toMatchObject({ __error__: 'JSONParserErr' });
    expect(run('| json | __error__=""', 'Error: boom')).toBeUndefined();
    expect(run('| json | __error__=""', PINO)).toBeDefined();
  });

  it('logfmt reads bare and quoted values', () => {
    const line = 'level=warn msg="slow query" took=250ms db=orders empty= flag';
    expect(run('| logfmt', line)?.labels).toEqual({
      service: 'orders',
      level: 'info',
      level_extracted: 'warn',
      msg: 'slow query',
      took: '250ms',
      db: 'orders',
    });
    // Empty values mean "absent" in our label model, so --keep-empty is accepted but changes nothing.
    expect(run('| logfmt --keep-empty', line)?.labels).toEqual(run('| logfmt', line)?.labels);
    expect(run('| logfmt --strict', 'a="unterminated')?.labels).toMatchObject({
      __error__: 'LogfmtParserErr',
    });
    expect(run('| logfmt m="msg"', line)?.labels).toEqual({ ...STREAM, m: 'slow query' });
  });

  it('regexp turns named groups into labels', () => {
    expect(run('| regexp "(?P<method>[A-Z]+) (?P<path>\\\\S+)"', 'GET /orders 200')?.labels).toEqual({
      ...STREAM,
      method: 'GET',
      path: '/orders',
    });
  });
});

describe('label filters', () => {
  it.each([
    ['| json | msg="order placed"', true],
    ['| json | msg=~"order.*"', true],
    ['| json | msg!~"order.*"', false],
    ['| json | status >= 500', false],
    ['| json | status > 200', true],
    ['| json | status == 201', true],
    ['| json | status != 201', false],
    ['| json | duration > 1s', true],
    ['| json | duration > 2s', false],
    ['| json | size > 2KB', true],
    ['| json | size > 3KB', false],
    ['| json | status >= 500 or msg="order placed"', true],
    ['| json | status >= 500 and msg="order placed"', false],
    ['| json | (status >= 500 or ok="true") and req_method="POST"', true],
    ['| json | missing > 1', false],
    ['| level="info"', true],
  ])('%s → %s', (query, kept) => {
    expect(run(query, PINO) !== undefined).toBe(kept);
  });

  it('a value a numeric filter cannot read keeps the line, marked LabelFilterErr', () => {
    expect(run('| json | msg > 1', PINO)?.labels).toMatchObject({ __error__: 'LabelFilterErr' });
  });
});

describe('line_format, drop and keep', () => {
  it('rewrites the line from labels and the current line', () => {
    expect(
      run('| json | line_format "{{.req_method}} {{.req_url}} -> {{.status}}{{.missing}}"', PINO)?.line,
    ).toBe('POST /orders -> 201');
    expect(run('| line_format "[{{__line__}}]"', 'x')?.line).toBe('[x]');
    expect(run('| line_format "a  {{- .level -}}  b"', 'x')?.line).toBe('ainfob');
  });

  it('filters after line_format see the new line', () => {
    expect(run('| json | line_format "{{.msg}}" |= "order placed" != "{"', PINO)).toBeDefined();
  });

  it('drop and keep remove labels', () => {
    expect(run('| json | keep service, status', PINO)?.labels).toEqual({ service: 'orders', status: '201' });
    expect(run('| drop level', 'x')?.labels).toEqual({ service: 'orders' });
  });

  it('returns the stream labels object itself when nothing changes them', () => {
    expect(run('|= "x"', 'x')?.labels).toBe(STREAM);
  });
});
