import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest entries, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.last()).toBe(5);
    ring.replaceLast(50);
    expect(ring.toArray()).toEqual([3, 4, 50]);
  });

  it('replaceLast on an empty buffer does nothing', () => {
    const ring = new RingBuffer<string>(2);
    ring.replaceLast('x');
    expect(ring.length).toBe(0);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(/capacity must be an integer ≥ 1, got 0/);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
