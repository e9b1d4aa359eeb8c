import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, tryPidLock } from './pid-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'opsloop-pid-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tryPidLock', () => {
  it('takes a free lock with this pid, refuses it while held, and frees it on release', () => {
    const path = join(dir, 'a.lock');
    const lock = tryPidLock(path);
    expect('release' in lock).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    expect(tryPidLock(path)).toEqual({ holder: process.pid });
    if ('release' in lock) lock.release();
    const again = tryPidLock(path);
    expect('release' in again).toBe(true);
    if ('release' in again) again.release();
  });

  it('replaces a lock left by a dead process or holding garbage', () => {
    for (const content of ['2147483646\n', 'not a pid']) {
      const path = join(dir, 'stale.lock');
      writeFileSync(path, content);
      const lock = tryPidLock(path);
      expect('release' in lock).toBe(true);
      if ('release' in lock) lock.release();
    }
  });

  it('isProcessAlive knows this process and not a free pid', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2147483646)).toBe(false);
  });
});
