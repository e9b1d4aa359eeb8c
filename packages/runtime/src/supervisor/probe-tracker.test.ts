import { describe, expect, it } from 'vitest';
import { ProbeTracker } from './probe-tracker.js';

/** Records outcomes in order; returns what each `record` call returned. */
const feed = (tracker: ProbeTracker, outcomes: readonly boolean[]): boolean[] =>
  outcomes.map((ok) => tracker.record(ok));

describe('ProbeTracker', () => {
  it('starts in the given state with no failures counted', () => {
    const passing = new ProbeTracker({ failureThreshold: 3, successThreshold: 1 }, true);
    const failing = new ProbeTracker({ failureThreshold: 3, successThreshold: 1 }, false);
    expect([passing.passing, passing.consecutiveFailures]).toEqual([true, 0]);
    expect([failing.passing, failing.consecutiveFailures]).toEqual([false, 0]);
  });

  it('liveness-style: flips to failing on exactly the failureThreshold-th consecutive failure', () => {
    const tracker = new ProbeTracker({ failureThreshold: 3, successThreshold: 1 }, true);
    expect(feed(tracker, [false, false])).toEqual([false, false]);
    expect(tracker.passing).toBe(true);
    expect(tracker.consecutiveFailures).toBe(2);
    expect(tracker.record(false)).toBe(true);
    expect(tracker.passing).toBe(false);
    expect(tracker.consecutiveFailures).toBe(3);
    // Already failing: more failures are no change, but are still counted.
    expect(tracker.record(false)).toBe(false);
    expect(tracker.consecutiveFailures).toBe(4);
  });

  it('readiness-style: an initially failing tracker passes after successThreshold successes', () => {
    const tracker = new ProbeTracker({ failureThreshold: 3, successThreshold: 1 }, false);
    expect(tracker.record(true)).toBe(true);
    expect(tracker.passing).toBe(true);
    expect(feed(tracker, [true, true])).toEqual([false, false]);
  });

  it('a success resets the failure count', () => {
    const tracker = new ProbeTracker({ failureThreshold: 3, successThreshold: 1 }, true);
    expect(feed(tracker, [false, false, true])).toEqual([false, false, false]);
    expect(tracker.consecutiveFailures).toBe(0);
    expect(feed(tracker, [false, false])).toEqual([false, false]);
    expect(tracker.passing).toBe(true);
    expect(tracker.record(false)).toBe(true);
    expect(tracker.passing).toBe(false);
  });

  it('a failure resets the success count (successThreshold counts consecutive successes)', () => {
    const tracker = new ProbeTracker({ failureThreshold: 1, successThreshold: 3 }, false);
    expect(feed(tracker, [true, true, false, true, true])).toEqual([false, false, false, false, false]);
    expect(tracker.passing).toBe(false);
    expect(tracker.record(true)).toBe(true);
    expect(tracker.passing).toBe(true);
  });

  it('goes back and forth with thresholds of 1', () => {
    const tracker = new ProbeTracker({ failureThreshold: 1, successThreshold: 1 }, true);
    expect(feed(tracker, [false, true, false, false, true, true])).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(tracker.passing).toBe(true);
  });

  it('successes before a failure streak do not count towards passing again', () => {
    const tracker = new ProbeTracker({ failureThreshold: 2, successThreshold: 2 }, true);
    feed(tracker, [true, true, true, false, false]);
    expect(tracker.passing).toBe(false);
    expect(tracker.record(true)).toBe(false);
    expect(tracker.record(true)).toBe(true);
    expect(tracker.consecutiveFailures).toBe(0);
  });
});
