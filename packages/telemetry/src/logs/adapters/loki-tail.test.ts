// Tails by polling and trace look-ups by paging, against a fixture that pages `query_range` forward as Loki.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabeledLogEntry } from '../log-source.js';
import { msToNs } from '../log-time.js';
import { forwardStreamsPage, startLokiFixture, type LokiFixture } from '../testing/loki-fixture-server.js';
import { createLokiLogSource } from './loki-log-source.js';
import type { Sleep } from './loki-tail.js';

const NOW_MS = 1_700_000_000_000;
const T = msToNs(NOW_MS);
const entry = (labels: Record<string, string>, timestampNs: bigint, line: string): LabeledLogEntry => ({
  labels,
  timestampNs,
  line,
});

let server: LokiFixture;
const stored: LabeledLogEntry[] = [];
beforeAll(async () => {
  server = await startLokiFixture((request) =>
    request.path === '/loki/api/v1/query_range'
      ? { json: forwardStreamsPage(stored, request.params) }
      : undefined,
  );
});
afterAll(() => server.close());
beforeEach(() => {
  stored.length = 0;
  server.requests.length = 0;
});

describe('Loki adapter tail (polling query_range forward)', () => {
  it('follows from now, delivers entries sharing a nanosecond once each, and stops on abort', async () => {
    // The tail's pauses are stepped by the test: no timers.
    let wake: (() => void) | undefined;
    const sleep: Sleep = (_ms, signal) =>
      new Promise((resolve) => {
        wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    /** Waits until the tail pauses after a poll, runs `meanwhile`, then lets it poll again. */
    const whilePaused = async (meanwhile: () => void) => {
      await vi.waitFor(() => expect(wake).toBeDefined(), { timeout: 2000, interval: 5 });
      meanwhile();
      const resume = wake!;
      wake = undefined;
      resume();
    };
    const source = createLokiLogSource({ baseUrl: server.url, now: () => NOW_MS, sleep, pageSize: 2 });
    stored.push(entry({ app: 'a' }, T - 1n, 'before the tail'));
    const abort = new AbortController();
    const tail = source.tail('{app=~"a|b"}', { signal: abort.signal })[Symbol.asyncIterator]();
    const received: LabeledLogEntry[] = [];
    const read = async (n: number) => {
      for (let i = 0; i < n; i++) received.push((await tail.next()).value as LabeledLogEntry);
    };

    const a = entry({ app: 'a' }, T + 1n, 'A');
    const b = entry({ app: 'b' }, T + 1n, 'B');
    const c = entry({ app: 'a' }, T + 2n, 'C');
    const firstTwo = read(2);
    await whilePaused(() => stored.push(a, b, c)); // the first poll found nothing new
    await firstTwo;
    await read(1);
    expect(received).toEqual([a, b, c]);

    const d = entry({ app: 'b' }, T + 2n, 'D'); // same instant as C, which was delivered
    const fourth = read(1);
    await whilePaused(() => stored.push(d, entry({ app: 'a' }, T, 'late: older than what was delivered')));
    await fourth;
    expect(received).toEqual([a, b, c, d]);

    const next = tail.next();
    abort.abort();
    expect((await next).done).toBe(true);
    expect(server.requests[0]!.params.get('start')).toBe(String(T));
    expect(server.requests.every((r) => r.params.get('direction') === 'forward')).toBe(true);
  });

  it('replays from `since` and ends when aborted while iterating', async () => {
    const source = createLokiLogSource({ baseUrl: server.url, now: () => NOW_MS, tailPollIntervalMs: 5 });
    stored.push(entry({ app: 'a' }, T - 5n, 'old'), entry({ app: 'a' }, T - 10n, 'older'));
    const abort = new AbortController();
    const received: string[] = [];
    for await (const e of source.tail('{app="a"}', { since: T - 5n, signal: abort.signal })) {
      received.push(e.line);
      abort.abort();
    }
    expect(received).toEqual(['old']);
  });
});

describe('Loki adapter traceLogs (line filter, then the JSON trace_id)', () => {
  const ID = '0af7651916cd43dd8448eb211c80319c';

  it('pages forward over ties and keeps only lines whose JSON trace_id is the id', async () => {
    const hit = (service: string, ns: bigint, key = 'trace_id') =>
      entry({ service }, ns, JSON.stringify({ level: 'info', [key]: ID, msg: `${service} ${ns}` }));
    const expected = [
      hit('orders', T - 30n),
      hit('cart', T - 20n),
      hit('orders', T - 20n),
      hit('payments', T - 10n, 'traceId'),
    ];
    stored.push(
      ...expected,
      entry({ service: 'gateway' }, T - 20n, `proxying trace ${ID}`),
      entry({ service: 'orders' }, T - 15n, JSON.stringify({ trace_id: `${ID}ff`, msg: 'a longer id' })),
    );
    const source = createLokiLogSource({ baseUrl: server.url, now: () => NOW_MS, pageSize: 2 });
    const found = await source.traceLogs(ID);
    expect(found.map((e) => e.line)).toEqual(expected.map((e) => e.line));
    expect(server.requests[0]!.params.get('query')).toBe(`{service=~".+"} |= "${ID}"`);
    expect(server.requests[0]!.params.get('start')).toBe(String(msToNs(NOW_MS - 7 * 86_400_000)));
    expect(server.requests[0]!.params.get('end')).toBe(String(msToNs(NOW_MS + 1)));
    expect(server.requests.length).toBeGreaterThan(2);

    server.requests.length = 0;
    const custom = createLokiLogSource({
      baseUrl: server.url,
      now: () => NOW_MS,
      streamSelector: '{job=~".+"}',
    });
    expect(await custom.traceLogs(ID, { limit: 2, start: T - 25n })).toEqual(expected.slice(1, 3));
    expect(server.requests[0]!.params.get('query')).toBe(`{job=~".+"} |= "${ID}"`);
  });
});
