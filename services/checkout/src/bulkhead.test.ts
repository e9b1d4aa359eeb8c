import { createManualClock } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { createBulkhead } from './bulkhead.js';

describe('the bulkhead', () => {
  it('admits up to its limit, queues the rest in order, and hands places on', async () => {
    const clock = createManualClock();
    const bulkhead = createBulkhead(2, clock);
    const first = await bulkhead.acquire(1000);
    const second = await bulkhead.acquire(1000);
    const order: string[] = [];
    const third = bulkhead.acquire(1000).then((release) => (order.push('third'), release));
    const fourth = bulkhead.acquire(1000).then((release) => (order.push('fourth'), release));
    expect(bulkhead.active()).toBe(2);
    expect(bulkhead.queued()).toBe(2);
    first?.();
    first?.(); // releasing twice frees one place only
    const thirdRelease = await third;
    expect(order).toEqual(['third']);
    expect(bulkhead.queued()).toBe(1);
    second?.();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    thirdRelease?.();
    expect(bulkhead.active()).toBe(1);
  });

  it('gives up on a place that does not free up in time', async () => {
    const clock = createManualClock();
    const bulkhead = createBulkhead(1, clock);
    const held = await bulkhead.acquire(0);
    const waiting = bulkhead.acquire(500);
    clock.advance(499);
    expect(bulkhead.queued()).toBe(1);
    clock.advance(1);
    expect(await waiting).toBeUndefined();
    expect(bulkhead.queued()).toBe(0);
    held?.();
    expect(bulkhead.active()).toBe(0);
  });
});
