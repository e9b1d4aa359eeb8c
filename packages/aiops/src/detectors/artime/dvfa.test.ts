import { describe, expect, it } from 'vitest';
import { NEW_CLUSTER, RESONATED, emptyDvfa, trainDvfa } from './dvfa.js';

const corner = (i: number): number[] => [...[0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)), i / 10];

describe('DVFA', () => {
  it('seeds an all-ones category, then founds a new cluster for an unlike sample', () => {
    const art = emptyDvfa(0.9);
    expect(trainDvfa(art, corner(0), true, 10)).toBe(RESONATED);
    expect(art.count).toBe(1);
    expect(trainDvfa(art, corner(0), true, 10)).toBe(NEW_CLUSTER);
    expect(art.count).toBe(2);
    // The same sample again resonates perfectly.
    expect(trainDvfa(art, corner(0), true, 10)).toBe(RESONATED);
    expect(art.lastMatch).toBeCloseTo(1, 6);
  });

  it('never learns with learning off', () => {
    const art = emptyDvfa(0.9);
    trainDvfa(art, corner(0), false, 10);
    expect(trainDvfa(art, corner(1), false, 10)).toBe(NEW_CLUSTER);
    expect(art.count).toBe(1);
  });

  it('forgets the least recently used category at the cap', () => {
    const art = emptyDvfa(0.99);
    trainDvfa(art, corner(0), true, 3); // seed
    trainDvfa(art, corner(1), true, 3); // category for corner 1
    trainDvfa(art, corner(2), true, 3); // category for corner 2 (cap reached)
    trainDvfa(art, corner(1), true, 3); // corner 1 used again
    trainDvfa(art, corner(3), true, 3); // evicts the oldest (the seed)
    expect(art.count).toBe(3);
    expect(trainDvfa(art, corner(1), true, 3)).toBe(RESONATED);
    expect(trainDvfa(art, corner(3), true, 3)).toBe(RESONATED);
  });
});
