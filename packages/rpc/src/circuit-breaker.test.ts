import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitState } from './circuit-breaker.js';

function breaker(failureThreshold = 3, openMs = 1000) {
  const clock = createManualClock(10_000);
  const changes: CircuitState[] = [];
  const b = createCircuitBreaker({
    failureThreshold,
    openMs,
    clock,
    onStateChange: (s) => void changes.push(s),
  });
  const fail = () => b.acquire()!.report('failure');
  const succeed = () => b.acquire()!.report('success');
  return { b, clock, changes, fail, succeed };
}

describe('createCircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures and then refuses calls', () => {
    const { b, fail, changes } = breaker(3);
    fail();
    fail();
    expect(b.state()).toBe('closed');
    fail();
    expect(b.state()).toBe('open');
    expect(changes).toEqual(['open']);
    expect(b.acquire()).toBeUndefined();
  });

  it('counts consecutive failures only: a success resets the count', () => {
    const { b, fail, succeed } = breaker(3);
    fail();
    fail();
    succeed();
    fail();
    fail();
    expect(b.state()).toBe('closed');
    fail();
    expect(b.state()).toBe('open');
  });

  it('ignores cancelled calls', () => {
    const { b, fail } = breaker(2);
    fail();
    b.acquire()!.report('ignored');
    expect(b.state()).toBe('closed');
    fail();
    expect(b.state()).toBe('open');
  });

  it('lets one trial call through after openMs; its success closes the breaker', () => {
    const { b, clock, fail, changes } = breaker(1, 1000);
    fail();
    clock.advance(999);
    expect(b.acquire()).toBeUndefined();
    clock.advance(1);
    expect(b.state()).toBe('half-open');
    const trial = b.acquire();
    expect(trial).toBeDefined();
    // Only one trial at a time.
    expect(b.acquire()).toBeUndefined();
    trial!.report('success');
    expect(b.state()).toBe('closed');
    expect(b.acquire()).toBeDefined();
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens for another openMs when the trial fails', () => {
    const { b, clock, fail } = breaker(1, 1000);
    fail();
    clock.advance(1000);
    b.acquire()!.report('failure');
    expect(b.state()).toBe('open');
    clock.advance(999);
    expect(b.acquire()).toBeUndefined();
    clock.advance(1);
    expect(b.acquire()).toBeDefined();
  });

  it('lets the next call try when the trial is cancelled', () => {
    const { b, clock, fail } = breaker(1, 1000);
    fail();
    clock.advance(1000);
    b.acquire()!.report('ignored');
    expect(b.state()).toBe('half-open');
    expect(b.acquire()).toBeDefined();
  });

  it('ignores outcomes of calls that started before the last change of state', () => {
    const { b, clock, fail } = breaker(2, 1000);
    const straggler = b.acquire()!;
    const lateFailure = b.acquire()!;
    fail();
    fail();
    expect(b.state()).toBe('open');
    // A success of a call started while closed does not close an open breaker…
    straggler.report('success');
    expect(b.state()).toBe('open');
    clock.advance(1000);
    const trial = b.acquire()!;
    // …and a late failure does not reopen a half-open one.
    lateFailure.report('failure');
    expect(b.state()).toBe('half-open');
    trial.report('success');
    expect(b.state()).toBe('closed');
  });

  it('counts each permit once', () => {
    const { b } = breaker(2);
    const permit = b.acquire()!;
    permit.report('failure');
    permit.report('failure');
    expect(b.state()).toBe('closed');
  });
});
