import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTraceStore, type TraceStore, type TraceStoreOptions } from './trace-store.js';
import { shopTrace, testId } from './testing/span-builder.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const WIDE = { start: T0 - 3_600_000, end: T0 + 3_600_000, limit: 100 };

describe('trace store', () => {
  let dir: string;
  let clock: number;
  const open: TraceStore[] = [];
  const openStore = async (options: Partial<TraceStoreOptions> = {}) => {
    const store = await createTraceStore({ dir, now: () => clock, ...options });
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trace-store-'));
    clock = T0;
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores spans and answers trace, summary, services and operations', async () => {
    const store = await openStore();
    const spans = shopTrace({ n: 1, startMs: T0 });
    expect(await store.append(spans)).toEqual({ accepted: 12, duplicates: 0 });
    const trace = await store.getTrace(testId(1, 32));
    expect(trace).toHaveLength(12);
    expect(trace!.map((s) => s.spanId)).toEqual(
      [...spans].sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano)).map((s) => s.spanId),
    );
    expect(trace![0]).toEqual(spans[0]);
    const [summary] = await store.findTraces(WIDE);
    expect(summary).toEqual({
      traceId: testId(1, 32),
      rootService: 'gateway',
      rootOperation: 'POST /api/checkout',
      startMs: T0,
      durationMs: 80,
      spanCount: 12,
      errorCount: 0,
      error: false,
      services: ['checkout', 'gateway', 'inventory', 'notifications', 'orders', 'payments'],
    });
    expect(await store.services()).toEqual([
      'checkout',
      'gateway',
      'inventory',
      'notifications',
      'orders',
      'payments',
    ]);
    expect(await store.operations('checkout')).toEqual([
      'POST',
      'POST /checkout',
      'inventory.Reserve',
      'payments.Charge',
    ]);
    expect(await store.getTrace(testId(2, 32))).toBeNull();
  });

  it('skips spans it already has (exporter retries)', async () => {
    const store = await openStore();
    const spans = shopTrace({ n: 1, startMs: T0 });
    await store.append(spans.slice(0, 5));
    expect(await store.append([...spans, spans[0]!])).toEqual({ accepted: 7, duplicates: 6 });
    expect(store.stats().spans).toBe(12);
  });

  it('keeps everything across a restart (index rebuilt from the segments)', async () => {
    const first = await openStore({ segmentBytes: 4096 });
    for (let n = 1; n <= 20; n++) await first.append(shopTrace({ n, startMs: T0 + n * 1000 }));
    await first.flush();
    const before = {
      traces: await first.findTraces(WIDE),
      graph: await first.dependencies({ start: T0, end: T0 + 60_000 }),
      trace: await first.getTrace(testId(7, 32)),
      stats: first.stats(),
    };
    expect(before.stats.segments).toBeGreaterThan(3);
    await first.close();
    const second = await openStore({ segmentBytes: 4096 });
    expect(await second.findTraces(WIDE)).toEqual(before.traces);
    expect(await second.dependencies({ start: T0, end: T0 + 60_000 })).toEqual(before.graph);
    expect(await second.getTrace(testId(7, 32))).toEqual(before.trace);
    expect(second.stats()).toEqual(before.stats);
    await second.append(shopTrace({ n: 21, startMs: T0 }));
    expect((await second.findTraces(WIDE)).length).toBe(21);
  });

  it('truncates a torn tail on open and keeps every complete record', async () => {
    const first = await openStore();
    await first.append(shopTrace({ n: 1, startMs: T0 }));
    await first.append(shopTrace({ n: 2, startMs: T0 + 1000 }));
    await first.close();
    const [file] = readdirSync(dir);
    const path = join(dir, file!);
    const full = readFileSync(path);
    // A crash in the middle of the second append: half its bytes reached the disk.
    const firstAppendBytes = full.length / 2;
    writeFileSync(path, full.subarray(0, Math.floor(firstAppendBytes + 100)));
    const second = await openStore();
    expect(second.stats().recovery.truncatedBytes).toBeGreaterThan(0);
    expect(await second.getTrace(testId(1, 32))).toHaveLength(12);
    const partial = await second.getTrace(testId(2, 32));
    expect(partial === null || partial.length < 12).toBe(true);
    await second.append(shopTrace({ n: 3, startMs: T0 }));
    await second.close();
    const third = await openStore();
    expect(third.stats().recovery.truncatedBytes).toBe(0);
    expect(await third.getTrace(testId(3, 32))).toHaveLength(12);
  });

  it('drops everything after a record whose CRC fails', async () => {
    const first = await openStore();
    await first.append(shopTrace({ n: 1, startMs: T0 }));
    await first.close();
    const [file] = readdirSync(dir);
    const path = join(dir, file!);
    const data = readFileSync(path);
    data[data.length - 20]! ^= 0xff; // inside the last record's payload
    writeFileSync(path, data);
    appendFileSync(path, Buffer.from('garbage after the damage'));
    const second = await openStore();
    expect(second.stats().spans).toBe(11);
    expect(statSync(path).size).toBe(second.stats().bytes);
  });

  it('drops whole segments older than the retention', async () => {
    const store = await openStore({ retentionMs: 60_000, segmentMs: 10_000 });
    for (let n = 1; n <= 10; n++) {
      clock = T0 + n * 5_000;
      await store.append(shopTrace({ n, startMs: clock }));
    }
    expect(store.stats().traces).toBe(10);
    clock = T0 + 100_000; // received before T0 + 40 000 has expired
    expect(await store.enforceRetention()).toBeGreaterThan(0);
    const left = (await store.findTraces(WIDE)).map((s) => s.traceId);
    expect(left).not.toContain(testId(1, 32));
    expect(left).toContain(testId(10, 32));
    expect(await store.getTrace(testId(1, 32))).toBeNull();
    // Segments go whole: what is left is a suffix of what was stored.
    const kept = left.map((id) => parseInt(id, 16)).sort((a, b) => a - b);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 10 - kept.length + 1 + i));
    clock = T0 + 1_000_000;
    await store.enforceRetention();
    expect(store.stats()).toMatchObject({ traces: 0, spans: 0, segments: 0 });
    expect(await store.services()).toEqual([]);
  });

  it('drops the oldest segments beyond maxBytes', async () => {
    const store = await openStore({ maxBytes: 20_000, segmentBytes: 5_000 });
    for (let n = 1; n <= 30; n++) await store.append(shopTrace({ n, startMs: T0 + n }));
    expect(store.stats().bytes).toBeLessThanOrEqual(20_000);
    expect(await store.getTrace(testId(30, 32))).toHaveLength(12);
    expect(await store.getTrace(testId(1, 32))).toBeNull();
  });
});
