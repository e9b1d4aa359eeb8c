import fc from 'fast-check';
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

  it('skipping hopeless categories changes nothing: same outcomes, matches, weights and ages', () => {
    // Coarse features make equal matches (ties) common; a small cap makes eviction common.
    const sample = fc.array(
      fc.integer({ min: 0, max: 4 }).map((q) => q / 4),
      { minLength: 4, maxLength: 4 },
    );
    const rho = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 120 }), rho, rho, (samples, a, b) => {
        const fast = emptyDvfa(0);
        const plain = emptyDvfa(0);
        for (const art of [fast, plain]) {
          art.rhoLb = Math.min(a, b);
          art.rhoUb = Math.max(a, b);
        }
        for (const features of samples) {
          plain.unitWeights = false; // never skips
          const outcome = trainDvfa(plain, features, true, 6);
          expect(trainDvfa(fast, features, true, 6)).toBe(outcome);
          expect(fast.lastMatch).toBe(plain.lastMatch);
          expect(fast.lastEnergy).toBe(plain.lastEnergy);
        }
        expect(fast.unitWeights).toBe(true);
        expect(fast.lastUsed).toEqual(plain.lastUsed);
        expect(Array.from(fast.weights.subarray(0, fast.count * fast.width))).toEqual(
          Array.from(plain.weights.subarray(0, plain.count * plain.width)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('stops skipping once a sample leaves [0,1]', () => {
    const art = emptyDvfa(0.5);
    trainDvfa(art, [0.5, 0.5], true, 10);
    trainDvfa(art, [0.25, 0.75], true, 10);
    expect(art.unitWeights).toBe(true);
    trainDvfa(art, [NaN, 0.5], true, 10);
    expect(art.unitWeights).toBe(false);
  });
});
