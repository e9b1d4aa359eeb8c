import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelMatcher } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatHi, floatLo } from './float-bits.js';
import { createTsdb } from './tsdb.js';
import type { Tsdb } from './tsdb-options.js';

const HOUR = 3_600_000;
const STEP = 15_000;
const START = Math.floor(1_700_000_000_000 / (2 * HOUR)) * 2 * HOUR;
const ALL: LabelMatcher[] = [{ name: '__name__', type: '=~', value: 'm.*' }];

let root: string;
const open: Tsdb[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tsdb-decoded-cache-'));
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  rmSync(root, { recursive: true, force: true });
});

/** A database of `hours` of scrapes (blocks and the head), counters, gauges and a stale marker mixed in. */
async function filled(name: string, decodedChunkCacheBytes: number, hours = 7): Promise<Tsdb> {
  const db = await createTsdb({
    dir: join(root, name),
    fsync: false,
    now: () => START,
    decodedChunkCacheBytes,
  });
  open.push(db);
  await scrape(db, START, START + hours * HOUR);
  return db;
}

/** Appends 15 s scrapes of 12 series over [from, to), committing (and so cutting blocks) as it goes. */
async function scrape(db: Tsdb, from: number, to: number): Promise<void> {
  const refs = Array.from({ length: 12 }, (_, s) =>
    db.getRef({ __name__: s % 2 === 0 ? 'm_total' : 'm_gauge', target: String(s >> 2), s: String(s) }),
  );
  for (let t = from; t < to; t += STEP) {
    const i = (t - START) / STEP;
    refs.forEach((ref, s) => {
      // Targets 1 and 2 scrape a little late now and then: their timestamps differ from target 0's.
      const at = t + (s >> 2 > 0 && i % 7 === s % 3 ? 50 * (s >> 2) : 0);
      const value = s === 5 && i === 300 ? STALE_NAN : s % 2 === 0 ? i * (s + 1) : Math.sin(i + s) * 100;
      db.appendRef(ref, at, value);
    });
    if (i % 8 === 7) await db.commit();
  }
  await db.commit();
}

/** Timestamps and value bits, comparable with toEqual whatever the arrays' types. */
function plain(series: readonly SeriesSamples[]) {
  return series.map((s) => ({
    labels: s.labels,
    t: Array.from(s.timestamps),
    bits: Array.from(s.values, (v) => [floatHi(v), floatLo(v)]),
  }));
}

describe('tsdb decoded chunk cache', () => {
  it('answers selects exactly as without it, cold and warm, and with a cache too small for the data', async () => {
    const reference = await filled('off', 0);
    const variants = [await filled('on', 64 * 1024 * 1024), await filled('tiny', 48 * 1024)];
    expect(reference.stats().blocks).toBeGreaterThanOrEqual(2);
    const ranges: [number, number][] = [
      [0, 8.64e15],
      [START + HOUR + 7, START + 5 * HOUR - 3],
      [START + 2 * HOUR, START + 2 * HOUR],
      [START + 6 * HOUR, START + 7 * HOUR],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [minT, maxT] of ranges) {
        const expected = plain(await reference.select(ALL, minT, maxT));
        expect(expected.length).toBe(12);
        for (const db of variants) expect(plain(await db.select(ALL, minT, maxT))).toEqual(expected);
      }
    }
  });

  it('stays exact across block cuts and compactions after it was filled', async () => {
    const dbs = [await filled('off', 0, 3), await filled('on', 64 * 1024 * 1024, 3)];
    for (let hours = 3; hours < 12; hours += 3) {
      const [expected, got] = await Promise.all(
        dbs.map(async (db) => plain(await db.select(ALL, 0, 8.64e15))),
      );
      expect(got).toEqual(expected);
      for (const db of dbs) await scrape(db, START + hours * HOUR, START + (hours + 3) * HOUR);
    }
    const [expected, got] = await Promise.all(dbs.map(async (db) => plain(await db.select(ALL, 0, 8.64e15))));
    expect(got).toEqual(expected);
    expect(dbs[1]!.stats().blocks).toBeLessThan(5); // Compaction ran: blocks the cache had read are gone.
  });

  it('refuses a negative size', async () => {
    await expect(createTsdb({ dir: join(root, 'bad'), decodedChunkCacheBytes: -1 })).rejects.toThrow(
      /decodedChunkCacheBytes/,
    );
  });
});
