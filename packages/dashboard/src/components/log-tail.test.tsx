// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../api/client.js';
import { fakeControlApi, renderSignedIn } from '../testing/fake-api.js';
import {
  appendBounded,
  LogTail,
  matchesFilter,
  parseLogLine,
  templatePattern,
  type LogEntry,
} from './log-tail.js';

afterEach(cleanup);

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const record = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    replica: 'cart-1',
    stream: 'stdout',
    line: JSON.stringify({
      level,
      time: '2026-12-07T06:00:01.250Z',
      service: 'cart',
      version: '1.0.0',
      instance: 'cart-1',
      msg,
      ...extra,
    }),
  });

/** A control API whose logs route streams ndjson: lines pushed with `push`, ended with `end`. */
function streamingApi() {
  const fake = fakeControlApi({});
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const fetchImpl = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      'http://dashboard.test',
    );
    if (url.pathname === '/v1/services/cart/logs') {
      fake.calls.push({ method: 'GET', path: url.pathname, query: url.searchParams, body: undefined });
      return Promise.resolve(new Response(body, { headers: { 'content-type': 'application/x-ndjson' } }));
    }
    return fake.fetchImpl(input, init);
  });
  return {
    api: createApi({ baseUrl: '', token: 't' }, fetchImpl),
    calls: fake.calls,
    push: (...lines: string[]) => controller.enqueue(encoder.encode(lines.map((l) => `${l}\n`).join(''))),
    end: () => controller.close(),
  };
}

describe('parseLogLine', () => {
  it('reads kit JSON records: level, message, trace id, time', () => {
    expect(parseLogLine(record(50, 'payment failed', { trace_id: TRACE.toUpperCase() }), 7)).toEqual({
      id: 7,
      replica: 'cart-1',
      stream: 'stdout',
      level: 'error',
      msg: 'payment failed',
      traceId: TRACE,
      time: '2026-12-07T06:00:01.250Z',
      json: true,
    });
    const camel = parseLogLine(
      JSON.stringify({
        replica: 'r',
        stream: 'stderr',
        line: '{"level":"warn","message":"m","traceId":"abc"}',
      }),
      1,
    );
    expect(camel).toMatchObject({ level: 'warn', msg: 'm', traceId: 'abc', stream: 'stderr' });
  });

  it('keeps plain and broken lines as text, and drops what is not a stream line', () => {
    expect(
      parseLogLine(JSON.stringify({ replica: 'r', stream: 'stderr', line: 'ERROR boom' }), 1),
    ).toMatchObject({
      level: 'error',
      msg: 'ERROR boom',
      json: false,
    });
    expect(
      parseLogLine(JSON.stringify({ replica: 'r', stream: 'stdout', line: '{"level":30,' }), 2),
    ).toMatchObject({
      level: 'unknown',
      msg: '{"level":30,',
    });
    expect(
      parseLogLine(
        JSON.stringify({
          replica: 'r',
          stream: 'stdout',
          line: '{"level":30,"msg":"x","trace_id":"<script>"}',
        }),
        3,
      )?.traceId,
    ).toBeUndefined();
    expect(parseLogLine('', 4)).toBeUndefined();
    expect(parseLogLine('not json', 5)).toBeUndefined();
    expect(parseLogLine('{"replica":"r"}', 6)).toBeUndefined();
  });
});

describe('filters', () => {
  const entry = (level: LogEntry['level'], msg: string, traceId?: string): LogEntry => ({
    id: 0,
    replica: 'cart-1',
    stream: 'stdout',
    level,
    msg,
    json: true,
    ...(traceId === undefined ? {} : { traceId }),
  });
  const none = { minLevel: 'unknown' as const, text: '', traceId: '' };

  it('filters by least level, text, and trace id', () => {
    expect(matchesFilter(entry('info', 'hello'), { ...none, minLevel: 'warn' })).toBe(false);
    expect(matchesFilter(entry('error', 'hello'), { ...none, minLevel: 'warn' })).toBe(true);
    expect(matchesFilter(entry('unknown', 'hello'), { ...none, minLevel: 'debug' })).toBe(false);
    expect(matchesFilter(entry('info', 'Cart Saved'), { ...none, text: 'saved' })).toBe(true);
    expect(matchesFilter(entry('info', 'Cart Saved'), { ...none, text: 'lost' })).toBe(false);
    expect(matchesFilter(entry('info', 'x', TRACE), { ...none, traceId: TRACE.slice(0, 6) })).toBe(true);
    expect(matchesFilter(entry('info', 'x'), { ...none, traceId: 'abc' })).toBe(false);
  });

  it('matches a mined template, <*> standing for any text', () => {
    const pattern = templatePattern('order <*> paid in <*> ms (retry)');
    expect(pattern.test('order 42 paid in 12.5 ms (retry)')).toBe(true);
    expect(pattern.test('order 42 refunded in 12 ms (retry)')).toBe(false);
    expect(matchesFilter(entry('info', 'order 7 paid in 3 ms (retry)'), none, pattern)).toBe(true);
  });

  it('keeps the last lines only', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(appendBounded([1], [], 4)).toEqual([1]);
  });
});

describe('<LogTail>', () => {
  it('follows the stream, filters by level, pauses and resumes, and opens a trace', async () => {
    const source = streamingApi();
    const onTrace = vi.fn();
    renderSignedIn(<LogTail service="cart" onTrace={onTrace} />, { api: source.api });
    source.push('', record(30, 'cart saved'), record(50, 'payment failed', { trace_id: TRACE }));
    expect(await screen.findByText('payment failed')).toBeTruthy();
    expect(screen.getByText('cart saved')).toBeTruthy();
    const call = source.calls.find((c) => c.path === '/v1/services/cart/logs');
    expect(call?.query.get('tail')).toBe('100');
    expect(call?.query.get('follow')).toBe('true');

    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'warn' } });
    expect(screen.queryByText('cart saved')).toBeNull();
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'unknown' } });

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    source.push(record(30, 'while paused'));
    expect(await screen.findByText(/Paused \(1 new lines waiting\)/)).toBeTruthy();
    expect(screen.queryByText('while paused')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(await screen.findByText('while paused')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: `Open trace ${TRACE.slice(0, 8)} (${TRACE})` }));
    expect(onTrace).toHaveBeenCalledWith(TRACE);

    source.end();
    expect(await screen.findByRole('button', { name: 'Reconnect' })).toBeTruthy();
  });

  it('keeps at most 500 lines, and filters to a template', async () => {
    const source = streamingApi();
    const page = renderSignedIn(<LogTail service="cart" template="line <*> of many" />, { api: source.api });
    source.push(
      ...Array.from({ length: 600 }, (_, i) => record(30, `line ${i} of many`)),
      record(30, 'other'),
    );
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('499 of 500 lines shown'), {
      timeout: 3000,
    });
    expect(screen.queryByText('line 99 of many')).toBeNull();
    expect(screen.getByText('line 599 of many')).toBeTruthy();
    expect(screen.queryByText('other')).toBeNull();
    page.unmount();
  });

  it('says why when the stream cannot be opened', async () => {
    const fake = fakeControlApi({
      'GET /v1/services/cart/logs': { status: 404, body: { detail: 'no service named "cart"' } },
    });
    renderSignedIn(<LogTail service="cart" />, { api: fake.api });
    expect((await screen.findByRole('alert')).textContent).toBe('Logs: no service named "cart"');
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeTruthy();
  });
});
