import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogStore, type LogStore } from './log-store.js';
import type { LabeledLogEntry } from './log-source.js';
import { TAIL_QUEUE_LIMIT } from './log-tail.js';

let dir: string;
let store: LogStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'log-tail-'));
  store = await createLogStore({ dir, now: () => 1_700_000_000_000 });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function take(iterable: AsyncIterable<LabeledLogEntry>, n: number): Promise<string[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const lines: string[] = [];
  while (lines.length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    lines.push(next.value.line);
  }
  await iterator.return?.();
  return lines;
}

const append = (service: string, line: string, ts?: bigint): void =>
  store.append({ labels: { service }, line, ...(ts === undefined ? {} : { timestampNs: ts }) });

describe('tail', () => {
  it('delivers new matching entries as they are appended, through the pipeline', async () => {
    const tail = store.tail('{service="orders"} |= "order"');
    const got = take(tail, 2);
    append('orders', 'order 1');
    append('cart', 'order in another service');
    append('orders', 'heartbeat');
    append('orders', 'order 2');
    expect(await got).toEqual(['order 1', 'order 2']);
  });

  it('replays from `since`, then follows, without missing or repeating an entry', async () => {
    append('orders', 'before 1', 1n);
    append('orders', 'before 2', 2n);
    const tail = store.tail('{service="orders"}', { since: 2n });
    append('orders', 'after', 3n);
    expect(await take(tail, 2)).toEqual(['before 2', 'after']);
  });

  it('applies parsers and label filters to live entries', async () => {
    const tail = store.tail('{service="orders"} | json | level="error" | line_format "{{.msg}}"');
    const got = take(tail, 1);
    append('orders', '{"level":30,"msg":"fine"}');
    append('orders', '{"level":50,"msg":"broken"}');
    expect(await got).toEqual(['broken']);
  });

  it('ends when the signal aborts or the store closes', async () => {
    const abort = new AbortController();
    const tail = store.tail('{service="orders"}', { signal: abort.signal });
    const got = take(tail, 5);
    append('orders', 'one');
    await Promise.resolve();
    abort.abort();
    expect(await got).toEqual(['one']);
    const other = take(store.tail('{service="orders"}'), 5);
    await store.close();
    expect(await other).toEqual([]);
    store = await createLogStore({ dir });
  });

  it('drops the oldest queued entries of a reader that falls behind', async () => {
    const tail = store.tail('{service="orders"}');
    for (let i = 0; i < TAIL_QUEUE_LIMIT + 3; i++) append('orders', `line ${i}`);
    expect(await take(tail, 1)).toEqual(['line 3']);
  });

  it('refuses metric queries', () => {
    expect(() => store.tail('count_over_time({service="orders"}[1m])')).toThrow(/not a log query/);
  });
});
