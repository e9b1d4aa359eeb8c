import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { CPU_SLICE_MS, startCpuBurn } from './cpu-burn.js';
import { HANG_GAP_MS, startHang } from './hang.js';
import { MEMORY_STEP_MS, startMemoryLeak } from './memory-leak.js';
import { busyWait } from './process-effect.js';

const MIB = 1024 * 1024;

describe('process faults', () => {
  it('busyWait blocks for the time asked, or until expired', () => {
    const started = performance.now();
    expect(busyWait(30, () => false)).toBeGreaterThanOrEqual(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    let checks = 0;
    expect(busyWait(60_000, () => ++checks > 1000)).toBeLessThan(60_000);
  });

  it('hang: blocks the loop chunk after chunk, and ends at expiry even in the middle of a chunk', () => {
    const clock = createManualClock();
    let expired = false;
    const hang = startHang({ ms: 20 }, { clock, expired: () => expired });
    let started = performance.now();
    clock.advance(HANG_GAP_MS); // first chunk
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    started = performance.now();
    clock.advance(HANG_GAP_MS); // the next one
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    expect(clock.pending()).toBe(1);
    // A chunk far longer than the test: the wall-clock check inside the loop ends it.
    hang.stop();
    expect(clock.pending()).toBe(0);
    const endless = startHang(
      { ms: 60_000 },
      { clock, expired: () => (expired = performance.now() - started > 50) },
    );
    started = performance.now();
    clock.advance(HANG_GAP_MS);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(expired).toBe(true);
    expect(clock.pending()).toBe(0);
    endless.stop();
  });

  it('cpu: busy for the share of every slice, until stopped', () => {
    const clock = createManualClock();
    const burn = startCpuBurn({ percent: 30 }, { clock, expired: () => false });
    const started = performance.now();
    clock.advance(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual((CPU_SLICE_MS * 30) / 100);
    expect(clock.pending()).toBe(1);
    burn.stop();
    expect(clock.pending()).toBe(0);
  });

  it('memory: retains mbPerSecond, written, up to maxMb, and lets it go when stopped', () => {
    const clock = createManualClock();
    const before = process.memoryUsage().arrayBuffers;
    const leak = startMemoryLeak({ mbPerSecond: 20, maxMb: 5 }, { clock, expired: () => false });
    clock.advance(0);
    expect(leak.retainedBytes()).toBe(2 * MIB);
    clock.advance(MEMORY_STEP_MS);
    expect(leak.retainedBytes()).toBe(4 * MIB);
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(4 * MIB);
    clock.advance(10 * MEMORY_STEP_MS);
    expect(leak.retainedBytes()).toBe(5 * MIB);
    expect(clock.pending()).toBe(0);
    leak.stop();
    expect(leak.retainedBytes()).toBe(0);
  });

  it('memory: stops growing once expired', () => {
    const clock = createManualClock();
    let expired = false;
    const leak = startMemoryLeak({ mbPerSecond: 10, maxMb: 100 }, { clock, expired: () => expired });
    clock.advance(0);
    expired = true;
    clock.advance(10 * MEMORY_STEP_MS);
    expect(leak.retainedBytes()).toBe(MIB);
    leak.stop();
  });
});
