import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogStore, type LogStore, type LogStoreOptions } from './log-store.js';

const T0 = 1_700_000_000_000; // ms
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const ALL = { start: 0n, end: ns(T0 + 86_400_000) };

let dir: string;
let clock: number;
const open: LogStore[] = [];

async function openStore(options: Partial<LogStoreOptions> = {}): Promise<LogStore> {
  const store = await createLogStore({ dir, now: () => clock, ...options });
  open.push(store);
  return store;
}

async function lines(store: LogStore, query = '{service="orders"}'): Promise<string[]> {
  const streams = await store.queryLogs(query, { ...ALL, limit: 5000, direction: 'forward' });
  return streams
    .flatMap((s) => s.entries)
    .sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0))
    .map((e) => e.line);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'log-store-'));
  clock = T0;
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('append and read back', () => {
  it('derives level and time from pino JSON lines and keeps lines verbatim', async () => {
    const store = await openStore();
    const pino = `{"level":50,"time":${T0 + 5},"service":"orders","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"boom"}`;
    const iso = '{"level":"warn","time":"2023-11-14T22:13:20.123456789Z","msg":"slow"}';
    store.append({ labels: { service: 'orders', stream: 'stdout' }, line: pino });
    store.append({ labels: { service: 'orders', stream: 'stdout' }, line: iso });
    store.append({ labels: { service: 'orders', stream: 'stderr' }, line: '    at main (index.js:1:1)' });
    const streams = await store.queryLogs('{service="orders"}', { ...ALL, direction: 'forward' });
    expect(streams).toEqual([
      {
        labels: { level: 'error', service: 'orders', stream: 'stdout' },
        entries: [{ timestampNs: ns(T0 + 5), line: pino }],
      },
      {
        labels: { level: 'warn', service: 'orders', stream: 'stdout' },
        entries: [{ timestampNs: 1_700_000_000_123_456_789n, line: iso }],
      },
      {
        labels: { service: 'orders', stream: 'stderr' },
        entries: [{ timestampNs: ns(T0), line: '    at main (index.js:1:1)' }],
      },
    ]);
    const trace = await store.traceLogs('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.map((e) => e.line)).toEqual([pino]);
  });

  it('keeps an explicit level label and an explicit timestamp', async () => {
    const store = await openStore();
    store.append({
      labels: { service: 'orders', level: 'custom' },
      timestampNs: 42n,
      line: '{"level":"info","time":1}',
    });
    const [stream] = await store.queryLogs('{service="orders"}', ALL);
    expect(stream?.labels).toEqual({ level: 'custom', service: 'orders' });
    expect(stream?.entries[0]?.timestampNs).toBe(42n);
  });

  it('refuses entries without labels, with bad label names or bad timestamps', async () => {
    const store = await openStore();
    expect(() => store.append({ labels: {}, line: 'x' })).toThrow(/at least one label/);
    expect(() => store.append({ labels: { 'bad-name': 'x' }, line: 'x' })).toThrow(/invalid label name/);
    expect(() => store.append({ labels: { a: 'b' }, timestampNs: -1n, line: 'x' })).toThrow(/out of range/);
    expect(store.stats().entries).toBe(0);
  });

  it('returns the newest entries first by default and honours the limit', async () => {
    const store = await openStore();
    for (let i = 0; i < 10; i++)
      store.append({ labels: { service: 'orders' }, timestampNs: ns(T0 + i), line: `l${i}` });
    const [backward] = await store.queryLogs('{service="orders"}', { ...ALL, limit: 3 });
    expect(backward?.entries.map((e) => e.line)).toEqual(['l9', 'l8', 'l7']);
    const [forward] = await store.queryLogs('{service="orders"}', { ...ALL, limit: 3, direction: 'forward' });
    expect(forward?.entries.map((e) => e.line)).toEqual(['l0', 'l1', 'l2']);
    const [window] = await store.queryLogs('{service="orders"}', {
      start: ns(T0 + 2),
      end: ns(T0 + 4),
      direction: 'forward',
    });
    expect(window?.entries.map((e) => e.line)).toEqual(['l2', 'l3']); // [start, end)
  });

  it('counts from postings alone, and from lines when a pipeline needs them', async () => {
    const store = await openStore();
    for (let i = 0; i < 6; i++) {
      store.append({
        labels: { service: 'orders' },
        timestampNs: ns(T0 + i * 1000),
        line: i % 3 === 0 ? 'error x' : 'ok',
      });
    }
    const at = { time: ns(T0 + 10_000) };
    const all = await store.queryLogMetric('count_over_time({service="orders"}[1m])', at);
    const errors = await store.queryLogMetric('count_over_time({service="orders"} |= "error" [1m])', at);
    const bytes = await store.queryLogMetric('bytes_over_time({service="orders"}[1m])', at);
    expect([all[0]?.value, errors[0]?.value, bytes[0]?.value]).toEqual([6, 2, 2 * 7 + 4 * 2]);
  });

  it('answers labels, label values and series', async () => {
    const store = await openStore();
    store.append({ labels: { service: 'orders', instance: 'orders-1' }, line: 'a' });
    store.append({ labels: { service: 'cart', instance: 'cart-1' }, line: 'b' });
    expect(await store.labels()).toEqual(['instance', 'service']);
    expect(await store.labelValues('service')).toEqual(['cart', 'orders']);
    expect(await store.series([{ name: 'service', type: '=~', value: 'ord.*' }])).toEqual([
      { instance: 'orders-1', service: 'orders' },
    ]);
    expect(await store.labels({ start: ns(T0 + 60_000), end: ns(T0 + 120_000) })).toEqual([]);
  });

  it('cuts over-long lines on a character boundary', async () => {
    const store = await openStore({ maxLineBytes: 10 });
    store.append({ labels: { service: 'orders' }, line: 'ééééééé' }); // 14 bytes
    expect(await lines(store)).toEqual(['ééééé']);
  });
});

describe('durability', () => {
  it('finds everything again after close and reopen', async () => {
    let store = await openStore({ maxSegmentBytes: 4096 });
    for (let i = 0; i < 300; i++) {
      store.append({
        labels: { service: 'orders', instance: `orders-${i % 3}` },
        timestampNs: ns(T0 + i),
        line: `line ${i}`,
      });
    }
    await store.flush();
    const before = await lines(store);
    expect(store.stats().segments).toBeGreaterThan(2);
    await store.close();
    open.length = 0;
    store = await openStore({ maxSegmentBytes: 4096 });
    expect(await lines(store)).toEqual(before);
    expect(before).toHaveLength(300);
    store.append({
      labels: { service: 'orders', instance: 'orders-0' },
      timestampNs: ns(T0 + 1000),
      line: 'after',
    });
    expect((await lines(store)).at(-1)).toBe('after');
  });

  it('truncates a torn tail instead of failing, keeping every complete record', async () => {
    const store = await openStore();
    for (let i = 0; i < 5; i++)
      store.append({ labels: { service: 'orders' }, timestampNs: ns(T0 + i), line: `line ${i}` });
    await store.close();
    open.length = 0;
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.log'))!,
    );
    const size = statSync(file).size;
    truncateSync(file, size - 3); // the last record loses its end
    appendFileSync(file, Buffer.from([1, 2])); // and garbage follows
    const warnings: string[] = [];
    const reopened = await openStore({ onWarning: (m) => warnings.push(m) });
    expect(await lines(reopened)).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
    expect(warnings.join()).toMatch(/torn or corrupt tail/);
    expect(statSync(file).size).toBeLessThan(size);
    reopened.append({ labels: { service: 'orders' }, timestampNs: ns(T0 + 9), line: 'new' });
    expect(await lines(reopened)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'new']);
  });

  it('detects a flipped byte by its CRC', async () => {
    const store = await openStore();
    store.append({ labels: { service: 'orders' }, timestampNs: ns(T0), line: 'first' });
    store.append({ labels: { service: 'orders' }, timestampNs: ns(T0 + 1), line: 'second' });
    await store.close();
    open.length = 0;
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.log'))!,
    );
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, statSync(file).size - 1); // inside "second"
    closeSync(fd);
    const reopened = await openStore();
    expect(await lines(reopened)).toEqual(['first']);
  });

  it('ignores files that are not segments and refuses a second store on the same directory', async () => {
    writeFileSync(join(dir, 'segment-000000000007.log'), 'not a segment at all');
    const warnings: string[] = [];
    const store = await openStore({ onWarning: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/bad magic/);
    await expect(createLogStore({ dir })).rejects.toThrow(/in use/);
    store.append({ labels: { service: 'orders' }, line: 'x' });
    expect(readdirSync(dir)).toContain('segment-000000000008.log');
  });
});

describe('retention', () => {
  it('deletes whole segments older than retentionMs', async () => {
    const store = await openStore({ retentionMs: 3_600_000, segmentMaxAgeMs: 60_000 });
    store.append({ labels: { service: 'orders' }, timestampNs: ns(T0), line: 'old' });
    clock += 120_000; // the next append rolls to a new segment
    store.append({ labels: { service: 'orders' }, timestampNs: ns(clock), line: 'new' });
    await store.enforceRetention();
    expect(await lines(store)).toEqual(['old', 'new']);
    clock = T0 + 3_600_000 + 1;
    await store.enforceRetention();
    expect(await lines(store)).toEqual(['new']);
    expect(store.stats().segments).toBe(1);
  });

  it('deletes the oldest segments beyond maxBytes, never the active one', async () => {
    const store = await openStore({ maxSegmentBytes: 2048, maxBytes: 8192 });
    for (let i = 0; i < 200; i++)
      store.append({ labels: { service: 'orders' }, timestampNs: ns(T0 + i), line: `line ${i}`.padEnd(60) });
    await store.enforceRetention();
    const { bytes, segments } = store.stats();
    expect(bytes).toBeLessThanOrEqual(8192);
    expect(segments).toBeGreaterThan(1);
    const kept = await lines(store);
    expect(kept.at(-1)?.trim()).toBe('line 199');
    expect(kept.length).toBeLessThan(200);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log'))).toHaveLength(segments);
  });
});
