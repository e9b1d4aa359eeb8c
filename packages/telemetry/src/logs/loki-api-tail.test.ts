// The SSE tail over a real loopback socket (inject() cannot read a response that never ends).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lokiApiPlugin } from './loki-api.js';
import { createLogStore, type LogStore } from './log-store.js';

let dir: string;
let store: LogStore;
let app: FastifyInstance;
let base: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loki-tail-'));
  store = await createLogStore({ dir });
  app = Fastify({ forceCloseConnections: true }); // fetch's keep-alive sockets would hold close() for 4 s
  await app.register(lokiApiPlugin({ store, maxPushBytes: 1024 }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads `data:` events from an SSE response until `count` arrived. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number): Promise<unknown[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: unknown[] = [];
  let buffer = '';
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith('data: ')) events.push(JSON.parse(event.slice(6)));
    }
  }
  await reader.cancel();
  return events;
}

describe('GET /loki/api/v1/tail (server-sent events)', () => {
  it('replays from start, then streams new matching entries as Loki tail frames', async () => {
    store.append({ labels: { service: 'orders' }, timestampNs: 1_700_000_000_000_000_000n, line: 'old' });
    const abort = new AbortController();
    const res = await fetch(
      `${base}/loki/api/v1/tail?query=${encodeURIComponent('{service="orders"}')}&start=1700000000000000000`,
      {
        signal: abort.signal,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = readEvents(res.body!, 2);
    const push = await fetch(`${base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          { stream: { service: 'cart' }, values: [['1700000000000000001', 'other service']] },
          { stream: { service: 'orders' }, values: [['1700000000000000002', 'new']] },
        ],
      }),
    });
    expect(push.status).toBe(204);
    expect(await events).toEqual([
      {
        streams: [{ stream: { service: 'orders' }, values: [['1700000000000000000', 'old']] }],
        dropped_entries: [],
      },
      {
        streams: [{ stream: { service: 'orders' }, values: [['1700000000000000002', 'new']] }],
        dropped_entries: [],
      },
    ]);
    abort.abort();
  });

  it('refuses a bad tail query with a problem before streaming', async () => {
    const res = await fetch(`${base}/loki/api/v1/tail?query=${encodeURIComponent('rate({a="b"}[1m])')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers an over-large push with 413 problem+json', async () => {
    const res = await fetch(`${base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [['1', 'x'.repeat(4096)]] }] }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(store.stats().entries).toBe(0);
  });
});
