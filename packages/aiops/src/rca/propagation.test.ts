import { describe, expect, it } from 'vitest';
import { personalisedPageRank } from './propagation.js';

describe('personalisedPageRank', () => {
  it('collects the mass where the walk ends', () => {
    const pi = personalisedPageRank(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b', weight: 1 },
        { from: 'b', to: 'c', weight: 1 },
        { from: 'a', to: 'a', weight: 0.1 },
      ],
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]),
      0.15,
    );
    expect(pi.get('c')!).toBeGreaterThan(pi.get('b')!);
    expect(pi.get('b')!).toBeGreaterThan(pi.get('a')!);
    expect([...pi.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9);
  });

  it('is uniform without personalisation or moves, and skips unknown nodes and bad weights', () => {
    const pi = personalisedPageRank(
      ['a', 'b'],
      [
        { from: 'a', to: 'zz', weight: 1 },
        { from: 'a', to: 'b', weight: Number.NaN },
      ],
      new Map(),
      0.15,
    );
    expect(pi.get('a')).toBeCloseTo(0.5, 9);
    expect(pi.get('b')).toBeCloseTo(0.5, 9);
  });
});
