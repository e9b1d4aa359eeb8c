import { describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from './clock.js';

describe('createManualClock', () => {
  it('starts at the given time and moves only when advanced', () => {
    const clock = createManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    expect(createManualClock().now()).toBe(0);
  });

  it('runs due timers in time order, each seeing its own due time as now', () => {
    const clock = createManualClock(0);
    const ran: [string, number][] = [];
    clock.after(30, () => ran.push(['c', clock.now()]));
    clock.after(10, () => ran.push(['a', clock.now()]));
    clock.after(20, () => ran.push(['b', clock.now()]));
    clock.after(50, () => ran.push(['later', clock.now()]));
    expect(clock.pending()).toBe(4);
    clock.advance(30);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(clock.now()).toBe(30);
    expect(clock.pending()).toBe(1);
    clock.advance(19);
    expect(ran).toHaveLength(3);
    clock.advance(1);
    expect(ran.at(-1)).toEqual(['later', 50]);
    expect(clock.pending()).toBe(0);
  });

  it('runs timers due at the same time in the order they were scheduled', () => {
    const clock = createManualClock();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) clock.after(10, () => ran.push(i));
    clock.advance(10);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('treats a negative delay as 0 and runs a 0 ms timer on the next advance, even advance(0)', () => {
    const clock = createManualClock(100);
    const ran: number[] = [];
    clock.after(-50, () => ran.push(clock.now()));
    clock.after(0, () => ran.push(clock.now()));
    expect(ran).toEqual([]);
    clock.advance(0);
    expect(ran).toEqual([100, 100]);
  });

  it('cancel prevents a timer from running and drops it from pending', () => {
    const clock = createManualClock();
    let ran = false;
    const handle = clock.after(10, () => (ran = true));
    handle.cancel();
    expect(clock.pending()).toBe(0);
    clock.advance(100);
    expect(ran).toBe(false);
    handle.cancel(); // idempotent
  });

  it('a timer can cancel another one due in the same advance', () => {
    const clock = createManualClock();
    const ran: string[] = [];
    const victim = { cancel: () => {} };
    clock.after(10, () => {
      ran.push('first');
      victim.cancel();
    });
    victim.cancel = clock.after(20, () => ran.push('victim')).cancel;
    clock.advance(30);
    expect(ran).toEqual(['first']);
    expect(clock.pending()).toBe(0);
  });

  it('runs timers scheduled during an advance if they fall due within it, in time order', () => {
    const clock = createManualClock();
    const ran: [string, number][] = [];
    clock.after(10, () => {
      ran.push(['outer', clock.now()]);
      clock.after(5, () => {
        ran.push(['nested+5', clock.now()]);
        clock.after(0, () => ran.push(['nested+5+0', clock.now()]));
      });
      clock.after(100, () => ran.push(['nested+100', clock.now()]));
    });
    clock.after(12, () => ran.push(['sibling', clock.now()]));
    clock.advance(50);
    expect(ran).toEqual([
      ['outer', 10],
      ['sibling', 12],
      ['nested+5', 15],
      ['nested+5+0', 15],
    ]);
    expect(clock.now()).toBe(50);
    expect(clock.pending()).toBe(1);
    clock.advance(60);
    expect(ran.at(-1)).toEqual(['nested+100', 110]);
  });

  it('a self-rescheduling timer (like a probe loop) runs once per period', () => {
    const clock = createManualClock();
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(clock.now());
      clock.after(1_000, tick);
    };
    clock.after(1_000, tick);
    clock.advance(5_500);
    expect(ticks).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(clock.pending()).toBe(1);
  });
});

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('runs timers, and a cancelled one never runs', async () => {
    const ran: string[] = [];
    const cancelled = systemClock.after(0, () => ran.push('cancelled'));
    cancelled.cancel();
    // Timers fire in due order: by the time the later one runs, the cancelled one would have.
    await new Promise<void>((resolve) =>
      systemClock.after(20, () => {
        ran.push('kept');
        resolve();
      }),
    );
    expect(ran).toEqual(['kept']);
  });
});
