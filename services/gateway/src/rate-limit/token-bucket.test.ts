import { createManualClock } from '@opsloop/kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, InvalidRateLimits } from './token-bucket.js';

function limiter(ratePerSecond = 2, burst = 3, maxClients = 100) {
  const clock = createManualClock(1_000_000);
  return { clock, limiter: createRateLimiter({ ratePerSecond, burst, maxClients, clock }) };
}

describe('token bucket rate limiter', () => {
  it('lets a new client send a burst, then refuses with the wait until one token is back', () => {
    const { limiter: l } = limiter(2, 3);
    expect(l.take('a')).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetSeconds: 1,
      retryAfterSeconds: 0,
    });
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 1 });
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 2 });
    expect(l.take('a')).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 2,
      retryAfterSeconds: 1,
    });
  });

  it('refills at the rate, never beyond the burst', () => {
    const { clock, limiter: l } = limiter(2, 3);
    for (let i = 0; i < 3; i++) l.take('a');
    clock.advance(499);
    expect(l.take('a').allowed).toBe(false);
    clock.advance(1); // 500 ms at 2/s: one token
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(60_000);
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps clients apart', () => {
    const { limiter: l } = limiter(1, 1);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
    expect(l.take('b').allowed).toBe(true);
  });

  it('says how long to wait at a slow rate', () => {
    const { limiter: l } = limiter(0.1, 1);
    l.take('a');
    expect(l.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 10, resetSeconds: 10 });
  });

  it('does not drain or refill when the clock steps backwards', () => {
    const { clock, limiter: l } = limiter(1, 2);
    l.take('a');
    clock.advance(-10_000);
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('holds at most maxClients buckets, dropping the least recently used', () => {
    const { limiter: l } = limiter(1, 1, 3);
    for (const c of ['a', 'b', 'c']) l.take(c);
    l.take('a'); // a is now the most recent (refused: empty)
    l.take('d'); // evicts b, the least recently used
    expect(l.size()).toBe(3);
    expect(l.take('a').allowed).toBe(false); // a kept its empty bucket
    expect(l.take('b').allowed).toBe(true); // b starts over
  });

  it('evicts idle buckets as new clients arrive: a full bucket is the same as none', () => {
    const { clock, limiter: l } = limiter(10, 5, 1_000);
    for (let i = 0; i < 100; i++) l.take(`old-${i}`);
    expect(l.size()).toBe(100);
    clock.advance(1_000); // 0.5 s would refill 5 tokens: all old buckets are full again
    for (let i = 0; i < 60; i++) l.take(`new-${i}`);
    // Each new client sweeps up to two idle buckets.
    expect(l.size()).toBe(100 + 60 - 100);
  });

  it('never allows more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const { clock, limiter: l } = limiter(rate, burst);
          let allowed = 0;
          let elapsed = 0;
          for (const gap of gaps) {
            clock.advance(gap);
            elapsed += gap;
            const decision = l.take('x');
            if (decision.allowed) allowed += 1;
            expect(decision.remaining).toBeGreaterThanOrEqual(0);
            expect(decision.remaining).toBeLessThanOrEqual(burst);
            if (!decision.allowed) expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          }
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((rate * elapsed) / 1000) + 1);
        },
      ),
    );
  });

  it('rejects nonsense options', () => {
    const clock = createManualClock();
    expect(() => createRateLimiter({ ratePerSecond: 0, burst: 1, maxClients: 1, clock })).toThrow();
    expect(() => createRateLimiter({ ratePerSecond: 1, burst: 0, maxClients: 1, clock })).toThrow();
  });
});

describe('token bucket rate limiter: limits changed at run time', () => {
  it('cuts full buckets to the new burst at once and refills at the new rate; refuses bad limits', () => {
    const { clock, limiter: l } = limiter(100, 200);
    expect(l.take('a')).toMatchObject({ allowed: true, remaining: 199 });
    l.setLimits({ ratePerSecond: 2, burst: 4 });
    expect(l.limits()).toEqual({ ratePerSecond: 2, burst: 4 });
    const codes = Array.from({ length: 6 }, () => l.take('a').allowed);
    expect(codes).toEqual([true, true, true, true, false, false]);
    expect(l.take('new')).toMatchObject({ allowed: true, limit: 4, remaining: 3 });
    clock.advance(500);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
    expect(() => l.setLimits({ ratePerSecond: 0, burst: 4 })).toThrow(InvalidRateLimits);
    expect(() => l.setLimits({ ratePerSecond: 1, burst: 0.5 })).toThrow(InvalidRateLimits);
    expect(l.limits()).toEqual({ ratePerSecond: 2, burst: 4 });
  });
});
