import { describe, expect, it } from 'vitest';
import { PARTITION_COUNT, partitionOf } from './partition.js';

describe('partitionOf', () => {
  it('is FNV-1a of the UTF-8 bytes modulo 8, pinned so that no release reorders keys', () => {
    // FNV-1a("") = 0x811c9dc5, FNV-1a("a") = 0xe40c292c.
    expect(partitionOf('')).toBe(0x811c9dc5 % 8);
    expect(partitionOf('a')).toBe(0xe40c292c % 8);
    expect(['order-1', 'order-2', 'cart-42', 'ü', '𝄞'].map(partitionOf)).toEqual([5, 4, 4, 2, 0]);
  });

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(PARTITION_COUNT).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`order-${i}`)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
