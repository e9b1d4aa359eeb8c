import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatHi, floatLo } from './float-bits.js';
import { Wal, type WalOptions } from './wal.js';

interface Replayed {
  series: Array<[number, Labels]>;
  samples: Array<[number, number, number, number]>;
}

let dir: string;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdb-wal-'));
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(extra: Partial<WalOptions> = {}): WalOptions {
  return {
    dir,
    segmentBytes: 1 << 20,
    segmentSpanMs: 3_600_000,
    fsync: false,
    fsyncIntervalMs: 1000,
    now: () => 0,
    onWarning: (message) => warnings.push(message),
    ...extra,
  };
}

async function openWal(extra: Partial<WalOptions> = {}): Promise<{ wal: Wal; replayed: Replayed }> {
  const replayed: Replayed = { series: [], samples: [] };
  const wal = await Wal.open(options(extra), {
    series: (id, labels) => replayed.series.push([id, labels]),
    sample: (id, t, hi, lo) => replayed.samples.push([id, t, hi, lo]),
  });
  return { wal, replayed };
}

function segments(): string[] {
  return readdirSync(dir)
    .filter((name) => /^\d{8}$/.test(name))
    .sort();
}

describe('WAL', () => {
  it('replays committed series and samples, NaN payloads included', async () => {
    const { wal } = await openWal();
    wal.series(1, { __name__: 'up', job: 'api' });
    wal.sample(1, 1_700_000_000_000, floatHi(STALE_NAN), floatLo(STALE_NAN));
    wal.sample(1, 1_700_000_015_000, floatHi(-0), floatLo(-0));
    wal.series(2, { __name__: 'up', job: 'wéb' });
    wal.sample(2, -5, floatHi(1.5), floatLo(1.5));
    await wal.commit();
    await wal.close();
    const { wal: again, replayed } = await openWal();
    expect(replayed.series).toEqual([
      [1, { __name__: 'up', job: 'api' }],
      [2, { __name__: 'up', job: 'wéb' }],
    ]);
    expect(replayed.samples).toEqual([
      [1, 1_700_000_000_000, floatHi(STALE_NAN), floatLo(STALE_NAN)],
      [1, 1_700_000_015_000, 0x80000000, 0],
      [2, -5, floatHi(1.5), floatLo(1.5)],
    ]);
    expect(warnings).toEqual([]);
    await again.close();
  });

  it('truncates a torn tail and keeps every record before it', async () => {
    const { wal } = await openWal();
    wal.series(1, { __name__: 'up' });
    wal.sample(1, 1000, 0, 1);
    await wal.commit();
    wal.sample(1, 2000, 0, 2);
    await wal.commit();
    await wal.close();
    const [segment] = segments();
    const path = join(dir, segment!);
    const size = statSync(path).size;
    truncateSync(path, size - 5); // The last record loses its last bytes mid-way.

    const { wal: reopened, replayed } = await openWal();
    expect(replayed.samples).toEqual([[1, 1000, 0, 1]]);
    expect(warnings.join()).toMatch(/torn record/);
    expect(statSync(path).size).toBeLessThan(size - 5); // Cut back to the last intact frame.
    reopened.sample(1, 3000, 0, 3);
    await reopened.commit();
    await reopened.close();

    warnings = [];
    const { wal: third, replayed: again } = await openWal();
    expect(again.samples).toEqual([
      [1, 1000, 0, 1],
      [1, 3000, 0, 3],
    ]);
    expect(warnings).toEqual([]);
    await third.close();
  });

  it('stops at a corrupted record in an older segment and drops the segments after it', async () => {
    const { wal } = await openWal();
    wal.series(1, { __name__: 'up' });
    wal.sample(1, 1000, 0, 1);
    await wal.commit();
    await wal.close();
    const { wal: second } = await openWal();
    second.sample(1, 2000, 0, 2);
    await second.commit();
    await second.close();
    const [first] = segments();
    const bytes = readFileSync(join(dir, first!));
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(join(dir, first!), bytes);

    const { wal: third, replayed } = await openWal();
    expect(replayed.series).toEqual([[1, { __name__: 'up' }]]);
    expect(replayed.samples).toEqual([]);
    expect(warnings.join('\n')).toMatch(/checksum mismatch[\s\S]*follows a damaged one/);
    await third.close();
  });

  it('rotates segments and, on truncation, deletes old ones behind a checkpoint of live series', async () => {
    const { wal } = await openWal({ segmentBytes: 200 });
    wal.series(1, { __name__: 'old' });
    wal.series(2, { __name__: 'live' });
    for (let t = 0; t < 40; t++) {
      wal.sample(1, t * 1000, 0, t);
      wal.sample(2, t * 1000, 0, t);
      await wal.commit();
    }
    wal.sample(2, 100_000, 0, 1);
    await wal.commit();
    const before = wal.segmentCount;
    expect(before).toBeGreaterThan(5);
    await wal.truncate(39_000, [{ id: 2, labels: { __name__: 'live' } }]);
    expect(wal.segmentCount).toBeLessThan(before);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint.'))).toHaveLength(1);
    await wal.close();

    const { wal: reopened, replayed } = await openWal();
    expect(replayed.series[0]).toEqual([2, { __name__: 'live' }]);
    const times = replayed.samples.map(([, t]) => t);
    expect(Math.min(...times)).toBeGreaterThan(30_000); // Older samples went with their segments.
    expect(times).toContain(100_000);
    await reopened.close();
  });

  it('starts a new segment when samples move past the next multiple of the segment span', async () => {
    const { wal } = await openWal({ segmentSpanMs: 1000 });
    wal.series(1, { __name__: 'up' });
    for (const t of [100, 500, 999, 1000, 1500, 2100]) {
      wal.sample(1, t, 0, 1);
      await wal.commit();
    }
    expect(wal.segmentCount).toBe(3); // [100, 999], [1000, 1500], [2100].
    await wal.close();
  });

  it('fdatasyncs at most once per interval of the injected clock, and on close', async () => {
    let now = 0;
    const probe = await open(join(dir, 'probe'), 'w');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }, 'datasync');
    await probe.close();
    try {
      const { wal } = await openWal({ fsync: true, fsyncIntervalMs: 1000, now: () => now });
      wal.series(1, { __name__: 'up' });
      for (const at of [0, 100, 900, 1000, 1500]) {
        now = at;
        wal.sample(1, at, 0, 1);
        await wal.commit();
      }
      expect(datasync).toHaveBeenCalledTimes(2); // At 0 and 1000.
      await wal.close();
      expect(datasync).toHaveBeenCalledTimes(3); // 1500's commit, synced on close.
    } finally {
      datasync.mockRestore();
    }
  });
});
