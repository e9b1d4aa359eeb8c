import type { SystemStatus } from '@opsloop/contracts';
import type { Service } from '@opsloop/kit';
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog, type EventLog } from '../observe/event-log.js';
import { EndpointRegistry } from '../registry/registry.js';
import { createControlApi } from './control-api.js';
import { newToken, TokenStore } from './tokens.js';

const STATUS: SystemStatus = { system: 'shop', startedAt: '2024-05-01T12:00:00.000Z', services: [] };
const VIEWER = newToken();
const DISCOVERY = newToken();

/** Fails with `what` if `promise` has not settled within `ms` (a bound, not a timing assertion). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

/** Reads a text stream and resolves once its text so far satisfies `done` (or it ends). */
class StreamReader {
  text = '';
  ended = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  async until(done: (text: string) => boolean, what: string): Promise<string> {
    const read = async () => {
      while (!done(this.text) && !this.ended) {
        const { value, done: end } = await this.#reader.read();
        if (end) this.ended = true;
        else this.text += this.#decoder.decode(value, { stream: true });
      }
      return this.text;
    };
    return within(read(), 3000, what);
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

/** The `data` of each `event: runtime` message of an SSE text. */
const eventsOf = (text: string) =>
  text
    .split('\n\n')
    .filter((message) => message.includes('event: runtime'))
    .map((message) => {
      const lines = message.split('\n');
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as {
        seq: number;
        type: string;
      };
      return { id, seq: data.seq, type: data.type };
    });

describe('GET /v1/stream: runtime events as server-sent events', () => {
  let api: Service;
  let log: EventLog;
  let url: string;
  let agent: Agent;

  const start = async (stream: { keepAliveMs?: number; maxStreams?: number } = {}) => {
    const tokens = new TokenStore();
    tokens.add(VIEWER, 'viewer', 'dash');
    tokens.add(DISCOVERY, 'discovery');
    log = createEventLog(() => Date.parse('2024-05-01T12:00:00Z'));
    api = await createControlApi({
      port: 0,
      tokens,
      registry: new EndpointRegistry(),
      status: () => STATUS,
      requestShutdown: () => {},
      logDestination: { write: () => {} },
      events: log,
      stream,
    });
    url = await api.listen();
    agent = new Agent();
  };

  afterEach(async () => {
    // The client's connections first: undici may hold a spare one that never carries a request, and Node
    // closes such a connection only at its keep-alive timeout (a client artefact, not an open stream).
    await agent.destroy();
    await api.app.close();
    log.close();
  });

  const open = (query = '', token = VIEWER, signal?: AbortSignal) =>
    fetch(`${url}/v1/stream${query}`, {
      headers: { authorization: `Bearer ${token}` },
      dispatcher: agent,
      ...(signal ? { signal } : {}),
    });

  /** The status of a finished answer, its body read (an unread body keeps undici's connection busy). */
  const statusOf = async (answer: ReturnType<typeof fetch>) => {
    const response = await answer;
    await response.arrayBuffer();
    return response.status;
  };

  const scaled = (n: number) => log.record({ type: 'service-scaled', service: 'cart', from: n, to: n + 1 });

  it('sends only new events by default, as id/event/data messages, with no-cache headers', async () => {
    await start();
    scaled(1);
    const response = await open();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = new StreamReader(response.body!);
    await reader.until((t) => t.includes(': connected'), 'the first comment');
    scaled(2);
    scaled(3);
    const text = await reader.until((t) => eventsOf(t).length >= 2, 'two events');
    expect(eventsOf(text)).toEqual([
      { id: '2', seq: 2, type: 'service-scaled' },
      { id: '3', seq: 3, type: 'service-scaled' },
    ]);
    expect(text).toMatch(
      /id: 2\nevent: runtime\ndata: \{.*"service":"cart".*"at":"2024-05-01T12:00:00.000Z"/,
    );
    await reader.cancel();
  });

  it('resumes after the seq a client saw; a seq from an earlier run means only new events', async () => {
    await start();
    for (let n = 1; n <= 4; n++) scaled(n);
    const resumed = new StreamReader((await open('?after=2')).body!);
    expect(eventsOf(await resumed.until((t) => eventsOf(t).length >= 2, 'replay')).map((e) => e.seq)).toEqual(
      [3, 4],
    );
    const stale = new StreamReader((await open('?after=900')).body!);
    await stale.until((t) => t.includes(': connected'), 'the first comment');
    scaled(5);
    expect(
      eventsOf(await stale.until((t) => eventsOf(t).length >= 1, 'new event')).map((e) => e.seq),
    ).toEqual([5]);
    await Promise.all([resumed.cancel(), stale.cancel()]);
  });

  it('sends keep-alive comments at the configured interval', async () => {
    await start({ keepAliveMs: 20 });
    const reader = new StreamReader((await open()).body!);
    const text = await reader.until((t) => t.split(': keep-alive\n\n').length > 2, 'two keep-alives');
    expect(eventsOf(text)).toEqual([]);
    await reader.cancel();
  });

  it('refuses bad queries, tokens without a reader role, and more than maxStreams at once (429)', async () => {
    await start({ maxStreams: 2 });
    expect(await statusOf(open('?after=-1'))).toBe(400);
    expect(await statusOf(open('?after='))).toBe(400);
    expect(await statusOf(open('?after=1.5'))).toBe(400);
    expect(await statusOf(open('?after=1&x=2'))).toBe(400);
    expect(await statusOf(open('', DISCOVERY))).toBe(403);
    expect(await statusOf(fetch(`${url}/v1/stream`, { dispatcher: agent }))).toBe(401);

    const abort = new AbortController();
    const first = await open('', VIEWER, abort.signal);
    const second = new StreamReader((await open()).body!);
    await second.until((t) => t.includes(': connected'), 'second stream');
    const third = await open();
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toContain('application/problem+json');
    expect(third.headers.get('retry-after')).toBe('10');
    expect(((await third.json()) as { detail: string }).detail).toMatch(/at most 2 event streams/);

    // A client that goes away frees its place.
    expect(first.status).toBe(200);
    abort.abort();
    await within(
      (async () => {
        for (;;) {
          const retry = await open('', VIEWER);
          if (retry.status === 200) return void (await retry.body?.cancel());
          await retry.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      3000,
      'a freed stream place',
    );
    await second.cancel();
  });

  it('ends open streams when the server closes, without holding close()', async () => {
    await start();
    const reader = new StreamReader((await open()).body!);
    await reader.until((t) => t.includes(': connected'), 'the first comment');
    await within(api.app.close(), 3000, 'close() with an open stream');
    await reader.until(() => false, 'the end of the stream');
    expect(reader.ended).toBe(true);
  });

  it('ends a stream when the event log closes (the runtime stops)', async () => {
    await start();
    const reader = new StreamReader((await open()).body!);
    await reader.until((t) => t.includes(': connected'), 'the first comment');
    log.close();
    await reader.until(() => false, 'the end of the stream');
    expect(reader.ended).toBe(true);
  });
});
