import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../model/labels.js';
import { OutOfOrderSampleError, type SeriesSamples } from '../model/series-store.js';
import { createTsdb } from './tsdb.js';
import type { Tsdb, TsdbOptions } from './tsdb-options.js';

const HOUR = 3_600_000;
const STEP = 15_000;
/** A multiple of 2 h plus 1 h, so the first block only half fills. */
const START = Math.floor(1_700_000_000_000 / (2 * HOUR)) * 2 * HOUR + HOUR;
const ALL: LabelMatcher[] = [{ name: '__name__', type: '=', value: 'm' }];

let dir: string;
let clock: number;
const open: Tsdb[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdb-blocks-'));
  clock = 0;
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openDb(options: Partial<TsdbOptions> = {}): Promise<Tsdb> {
  const db = await createTsdb({ dir, fsync: false, now: () => clock, ...options });
  open.push(db);
  return db;
}

/** The value of series `s` at scrape `i`: counters, jittery gauges and a sparse series mixed. */
function valueAt(s: number, i: number): number {
  return s % 3 === 0 ? i * (s + 1) : s % 3 === 1 ? 100 + Math.sin(i + s) * 10 : Math.round(i / 40) + s;
}

/** Appends 15 s scrapes of `series` series over [from, to), committing every 4th scrape. */
async function scrape(db: Tsdb, series: number, from: number, to: number): Promise<void> {
  const refs = Array.from({ length: series }, (_, s) =>
    db.getRef({ __name__: 'm', s: String(s).padStart(3, '0') }),
  );
  for (let t = from; t < to; t += STEP) {
    clock = t;
    const i = (t - START) / STEP;
    refs.forEach((ref, s) => db.appendRef(ref, t, valueAt(s, i)));
    if (i % 4 === 3) await db.commit();
  }
}

/** What `scrape` wrote, as select would return it for [minT, maxT]. */
function expected(series: number, from: number, to: number, minT: number, maxT: number) {
  return Array.from({ length: series }, (_, s) => {
    const t: number[] = [];
    const v: number[] = [];
    for (let at = from; at < to; at += STEP) {
      if (at < minT || at > maxT) continue;
      t.push(at);
      v.push(valueAt(s, (at - START) / STEP));
    }
    return { s: String(s).padStart(3, '0'), t, v };
  }).filter((e) => e.t.length > 0);
}

function plain(result: SeriesSamples[]) {
  return result.map((r) => ({ s: r.labels.s!, t: Array.from(r.timestamps), v: Array.from(r.values) }));
}

function blockDirs(): string[] {
  return readdirSync(join(dir, 'blocks')).sort();
}

function walSegments(): string[] {
  return readdirSync(join(dir, 'wal')).filter((n) => /^\d{8}$/.test(n));
}

describe('blocks', () => {
  it('cuts 2 h blocks from 5 h of scrapes, trims the WAL, and selects across head and blocks', async () => {
    const db = await openDb();
    const end = START + 5 * HOUR;
    await scrape(db, 50, START, end);

    // Head minimum START (= 1 h past a boundary); cuts at head max > min + 3 h: [−1 h, 1 h) and [1 h, 3 h).
    expect(blockDirs()).toEqual([`${START - HOUR}-${START + HOUR}`, `${START + HOUR}-${START + 3 * HOUR}`]);
    const meta = JSON.parse(
      readFileSync(join(dir, 'blocks', blockDirs()[1]!, 'meta.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(meta).toMatchObject({
      minTime: START + HOUR,
      maxTime: START + 3 * HOUR,
      numSeries: 50,
      version: 2,
    });
    expect(meta.numSamples).toBe(50 * 480);
    const stats = db.stats();
    expect(stats.blocks).toBe(2);
    expect(stats.numSamples).toBe(50 * 1200);
    expect(stats.headSamples).toBe(50 * 480);
    expect(stats.bytesPerSample).toBeGreaterThan(0.1);
    expect(stats.bytesPerSample).toBeLessThan(4);
    // The WAL no longer holds the segments of data now in blocks: they covered under half of the 5 h.
    const walFirst = Math.min(...walSegments().map(Number));
    expect(walFirst).toBeGreaterThan(1);

    expect(plain(await db.select(ALL, 0, Infinity))).toEqual(expected(50, START, end, 0, Infinity));
    // A range across both blocks and the head.
    const [minT, maxT] = [START + HOUR - 7 * STEP, START + 3 * HOUR + 5 * STEP];
    expect(plain(await db.select(ALL, minT, maxT))).toEqual(expected(50, START, end, minT, maxT));
    // Data in blocks can no longer be appended to.
    expect(() => db.append({ __name__: 'm', s: '000' }, START + 3 * HOUR - STEP / 2, 1)).toThrow(
      OutOfOrderSampleError,
    );

    await db.close();
    open.length = 0;
    const reopened = await openDb();
    expect(plain(await reopened.select(ALL, 0, Infinity))).toEqual(expected(50, START, end, 0, Infinity));
    expect(reopened.stats().numSamples).toBe(50 * 1200);
  });

  it('deletes blocks entirely older than the newest block end minus retention', async () => {
    const db = await openDb({ blockDurationMs: HOUR, retentionMs: 3 * HOUR, compaction: false });
    const end = START + 10 * HOUR;
    await scrape(db, 3, START, end);
    const ranges = blockDirs().map((name) => name.split(/(?<=\d)-/).map(Number) as [number, number]);
    const newest = Math.max(...ranges.map(([, max]) => max));
    expect(ranges.length).toBe(3);
    for (const [, max] of ranges) expect(max).toBeGreaterThan(newest - 3 * HOUR);
    const result = await db.select(ALL, 0, Infinity);
    expect(result[0]!.timestamps[0]).toBe(newest - 3 * HOUR);
    expect(plain(await db.select(ALL, 0, newest - 3 * HOUR - 1))).toEqual([]);
  });

  it('deletes the oldest blocks beyond retentionBytes, on open too', async () => {
    const db = await openDb({ blockDurationMs: HOUR, compaction: false });
    await scrape(db, 3, START, START + 8 * HOUR);
    const before = blockDirs();
    expect(before.length).toBeGreaterThan(3);
    await db.close();
    open.length = 0;
    const sizes = before.map((name) =>
      ['meta.json', 'index.json', 'chunks'].reduce(
        (sum, file) => sum + readFileSync(join(dir, 'blocks', name, file)).length,
        0,
      ),
    );
    // Room for the two newest blocks only.
    const budget = sizes[sizes.length - 1]! + sizes[sizes.length - 2]! + 1;
    await openDb({ blockDurationMs: HOUR, compaction: false, retentionBytes: budget });
    expect(blockDirs()).toEqual(before.slice(-2));
  });

  it('compacts adjacent blocks into 3× ranges without changing query results', async () => {
    const db = await openDb({ blockDurationMs: HOUR, retentionMs: 100 * HOUR });
    const end = START + 14 * HOUR;
    await scrape(db, 5, START, end);
    const metas = blockDirs().map(
      (name) =>
        JSON.parse(readFileSync(join(dir, 'blocks', name, 'meta.json'), 'utf8')) as {
          minTime: number;
          maxTime: number;
          compaction: { level: number; sources: string[] };
        },
    );
    const merged = metas.filter((m) => m.compaction.level === 2);
    expect(merged.length).toBeGreaterThan(0);
    for (const m of merged) {
      expect(m.maxTime - m.minTime).toBe(3 * HOUR);
      expect(m.minTime % (3 * HOUR)).toBe(0);
      for (const source of m.compaction.sources) expect(existsSync(join(dir, 'blocks', source))).toBe(false);
    }
    expect(plain(await db.select(ALL, 0, Infinity))).toEqual(expected(5, START, end, 0, Infinity));
  });

  it('removes the debris of an interrupted block write on open', async () => {
    mkdirSync(join(dir, 'blocks', '0-7200000.tmp'), { recursive: true });
    await openDb();
    expect(blockDirs()).toEqual([]);
  });
});
