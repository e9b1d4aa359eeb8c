import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertSorted, intersectSorted, subtractSorted, unionSorted } from './sorted-ids.js';

const sortedIds = fc.uniqueArray(fc.nat({ max: 200 })).map((ids) => ids.sort((a, b) => a - b));

describe('sorted id lists', () => {
  it('agree with set operations', () => {
    fc.assert(
      fc.property(sortedIds, sortedIds, sortedIds, (a, b, c) => {
        const sb = new Set(b);
        expect(intersectSorted(a, b)).toEqual(a.filter((x) => sb.has(x)));
        expect(subtractSorted(a, b)).toEqual(a.filter((x) => !sb.has(x)));
        expect(unionSorted([a, b, c])).toEqual([...new Set([...a, ...b, ...c])].sort((x, y) => x - y));
        const inserted = a.slice();
        for (const x of b) insertSorted(inserted, x);
        expect(inserted).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
      }),
    );
  });
});
