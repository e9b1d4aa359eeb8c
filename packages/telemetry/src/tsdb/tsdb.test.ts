import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsKey, type LabelMatcher } from '../model/labels.js';
import { OutOfOrderSampleError, type SeriesSamples } from '../model/series-store.js';
import { STALE_NAN, isStaleNaN } from '../model/stale-nan.js';
import { createTsdb } from './tsdb.js';
import { TsdbClosedError, TsdbLockedError, type Tsdb, type TsdbOptions } from './tsdb-options.js';

let dir: string;
const open: Tsdb[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdb-'));
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openDb(options: Partial<TsdbOptions> = {}): Promise<Tsdb> {
  const db = await createTsdb({ dir, fsync: false, ...options });
  open.push(db);
  return db;
}

/** Timestamps and exact value bits of select results, for comparisons. */
function dump(result: SeriesSamples[]): Array<{ key: string; t: number[]; bits: number[] }> {
  return result.map((s) => {
    expect(s.values).toBeInstanceOf(Float64Array);
    const values = s.values as Float64Array;
    return {
      key: labelsKey(s.labels),
      t: Array.from(s.timestamps),
      bits: Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length * 2)),
    };
  });
}

const UP: LabelMatcher[] = [{ name: '__name__', type: '=~', value: 'up|req_total' }];
const T0 = 1_700_000_000_000;

function fill(db: Tsdb): void {
  for (let i = 0; i < 30; i++) {
    const t = T0 + i * 15_000;
    db.append({ __name__: 'up', job: 'web', instance: 'b' }, t, i % 7 === 6 ? STALE_NAN : 1);
    db.append({ __name__: 'up', job: 'api', instance: 'a' }, t, i === 3 ? Number.NaN : i === 4 ? -0 : 1);
    db.append({ __name__: 'req_total', job: 'api', code: '200' }, t, i * 3.5);
  }
}

describe('createTsdb', () => {
  it('selects series sorted by labelsKey with Float64Array samples in the inclusive range', async () => {
    const db = await openDb();
    fill(db);
    const result = await db.select(UP, T0 + 15_000, T0 + 45_000);
    expect(result.map((s) => labelsKey(s.labels))).toEqual(
      [
        labelsKey({ __name__: 'req_total', job: 'api', code: '200' }),
        labelsKey({ __name__: 'up', job: 'api', instance: 'a' }),
        labelsKey({ __name__: 'up', job: 'web', instance: 'b' }),
      ].sort(),
    );
    expect(Array.from(result[0]!.timestamps)).toEqual([T0 + 15_000, T0 + 30_000, T0 + 45_000]);
    expect(Array.from(result[0]!.values)).toEqual([3.5, 7, 10.5]);
    expect(await db.select(UP, T0 - 10, T0 - 1)).toEqual([]);
    await expect(db.select([{ name: 'job', type: '!=', value: 'x' }], T0, T0)).rejects.toThrow(
      /non-empty matcher/,
    );
  });

  it('answers label names and values of the series with samples in the range', async () => {
    const db = await openDb();
    fill(db);
    db.append({ __name__: 'late', zone: 'eu' }, T0 + 10 * 60_000, 1);
    expect(await db.labelNames([], T0, T0 + 60_000)).toEqual(['__name__', 'code', 'instance', 'job']);
    expect(await db.labelNames([], T0, T0 + 3_600_000)).toContain('zone');
    expect(await db.labelValues('job', [], T0, T0 + 60_000)).toEqual(['api', 'web']);
    expect(await db.labelValues('instance', [{ name: 'job', type: '=', value: 'api' }], T0, T0)).toEqual([
      'a',
    ]);
    // A range inside the gap between two samples of a series holds none of them.
    db.append({ __name__: 'sparse' }, T0, 1);
    db.append({ __name__: 'sparse' }, T0 + 100_000, 1);
    expect(await db.labelValues('__name__', [], T0 + 1, T0 + 99_999)).toEqual(['req_total', 'up']);
  });

  it('offers refs for allocation-free appends, with the same order rules', async () => {
    const db = await openDb();
    const ref = db.getRef({ __name__: 'up', job: 'api' });
    expect(db.getRef({ job: 'api', __name__: 'up' })).toBe(ref);
    db.appendRef(ref, T0, 1);
    db.appendRef(ref, T0 + 1000, 2);
    expect(() => db.appendRef(ref, T0, 5)).toThrow(OutOfOrderSampleError);
    db.append({ __name__: 'up', job: 'api' }, T0 + 1000, 2); // Duplicate: ignored.
    expect(() => db.appendRef(9999, T0, 1)).toThrow(/unknown series ref/);
    const [series] = await db.select([{ name: 'job', type: '=', value: 'api' }], 0, Infinity);
    expect(Array.from(series!.values)).toEqual([1, 2]);
  });

  it('keeps everything across a clean restart, NaN payloads bit for bit', async () => {
    const db = await openDb();
    fill(db);
    await db.commit();
    const before = dump(await db.select(UP, 0, Infinity));
    await db.close();
    const reopened = await openDb();
    const after = await reopened.select(UP, 0, Infinity);
    expect(dump(after)).toEqual(before);
    expect(reopened.stats().numSeries).toBe(3);
    // And equal to what was appended, not just to itself: the marker, a plain NaN and -0 kept.
    const api = after.find((s) => s.labels.job === 'api' && s.labels.__name__ === 'up')!;
    const web = after.find((s) => s.labels.job === 'web')!;
    expect(isStaleNaN(web.values[6]!)).toBe(true);
    expect(isStaleNaN(api.values[3]!)).toBe(false);
    expect(api.values[3]).toBeNaN();
    expect(Object.is(api.values[4], -0)).toBe(true);
    // Appends go on where they stopped, and order is still enforced.
    expect(() => reopened.append({ __name__: 'up', job: 'web', instance: 'b' }, T0, 3)).toThrow(
      OutOfOrderSampleError,
    );
  });

  it('keeps committed samples after a crash (the directory reopened without close)', async () => {
    const db = await openDb();
    fill(db);
    await db.commit();
    const committed = dump(await db.select(UP, 0, Infinity));
    db.append({ __name__: 'up', job: 'web', instance: 'b' }, T0 + 3_600_000, 42); // Never committed.
    const copy = mkdtempSync(join(tmpdir(), 'tsdb-crash-'));
    try {
      cpSync(dir, copy, { recursive: true });
      // The crashed process's lock would name a dead pid; this process is alive, so drop the copy's lock.
      rmSync(join(copy, 'lock'));
      const recovered = await createTsdb({ dir: copy, fsync: false });
      expect(dump(await recovered.select(UP, 0, Infinity))).toEqual(committed);
      await recovered.close();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('opens after a torn WAL tail, keeping every commit before it', async () => {
    const db = await openDb();
    db.append({ __name__: 'up' }, T0, 1);
    await db.commit();
    db.append({ __name__: 'up' }, T0 + 15_000, 2);
    await db.commit();
    await db.close();
    open.length = 0;
    const walDir = join(dir, 'wal');
    const segment = readdirSync(walDir)
      .filter((name) => /^\d{8}$/.test(name) && statSync(join(walDir, name)).size > 0)
      .sort()
      .pop()!;
    truncateSync(join(walDir, segment), statSync(join(walDir, segment)).size - 3);
    const warnings: string[] = [];
    const reopened = await openDb({ onWarning: (message) => warnings.push(message) });
    const [series] = await reopened.select([{ name: '__name__', type: '=', value: 'up' }], 0, Infinity);
    expect(Array.from(series!.timestamps)).toEqual([T0]);
    expect(warnings.join()).toMatch(/torn record/);
    // The repaired log takes new commits and replays them.
    reopened.append({ __name__: 'up' }, T0 + 30_000, 3);
    await reopened.commit();
    await reopened.close();
    open.length = 0;
    const third = await openDb();
    const [again] = await third.select([{ name: '__name__', type: '=', value: 'up' }], 0, Infinity);
    expect(Array.from(again!.values)).toEqual([1, 3]);
  });

  it('refuses a second opener of the directory and takes over the stale lock of a dead process', async () => {
    const db = await openDb();
    await expect(createTsdb({ dir })).rejects.toThrow(TsdbLockedError);
    await db.close();
    open.length = 0;
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'lock'), `${dead}\n`);
    const again = await openDb();
    expect(again.stats().numSeries).toBe(0);
  });

  it('refuses use after close with a clear error, and close is idempotent', async () => {
    const db = await openDb();
    db.append({ __name__: 'up' }, T0, 1);
    await db.close();
    await db.close();
    expect(() => db.append({ __name__: 'up' }, T0 + 1, 1)).toThrow(TsdbClosedError);
    expect(() => db.getRef({ __name__: 'up' })).toThrow(/closed/);
    await expect(db.commit()).rejects.toThrow(TsdbClosedError);
    await expect(db.select(UP, 0, 1)).rejects.toThrow(TsdbClosedError);
    // close() wrote the uncommitted sample: it is there after reopening.
    const reopened = await openDb();
    expect(
      dump(await reopened.select([{ name: '__name__', type: '=', value: 'up' }], 0, Infinity)),
    ).toHaveLength(1);
  });

  it('validates options', async () => {
    await expect(createTsdb({ dir, blockDurationMs: 0 })).rejects.toThrow(/blockDurationMs/);
    await expect(createTsdb({ dir, retentionMs: -1 })).rejects.toThrow(/retentionMs/);
  });
});
