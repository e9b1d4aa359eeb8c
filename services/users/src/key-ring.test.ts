import { describe, expect, it } from 'vitest';
import { activeKey, needsFirstKey, prunableKeys, publishedKeys, rotationDue } from './key-ring.js';

const key = (kid: string, activatesAt: number) => ({ kid, activatesAt: new Date(activatesAt) });
const kids = (keys: { kid: string }[]) => keys.map((k) => k.kid);

describe('key ring', () => {
  const retention = 1000;
  // a signs from 0; b was published at 5000 and signs from 6000; c is published and signs from 9000.
  const keys = [key('b', 6000), key('a', 0), key('c', 9000)];

  it('the latest key already activated signs', () => {
    expect(activeKey(keys, -1)).toBeUndefined();
    expect(activeKey(keys, 0)?.kid).toBe('a');
    expect(activeKey(keys, 5999)?.kid).toBe('a');
    expect(activeKey(keys, 6000)?.kid).toBe('b');
    expect(activeKey(keys, 9000)?.kid).toBe('c');
  });

  it('publishes pending keys, the active one and retired ones for the retention', () => {
    expect(kids(publishedKeys(keys, 100, retention))).toEqual(['a', 'b', 'c']);
    expect(kids(publishedKeys(keys, 6999, retention))).toEqual(['a', 'b', 'c']);
    // a retired at 6000: gone once its last token (issued just before 6000) is past the retention.
    expect(kids(publishedKeys(keys, 7000, retention))).toEqual(['b', 'c']);
    expect(kids(prunableKeys(keys, 7000, retention))).toEqual(['a']);
    expect(kids(publishedKeys(keys, 10_000, retention))).toEqual(['c']);
    expect(kids(prunableKeys(keys, 10_000, retention)).sort()).toEqual(['a', 'b']);
  });

  it('breaks activation ties by kid, the same on every replica', () => {
    const tied = [key('y', 10), key('x', 10)];
    expect(activeKey(tied, 10)?.kid).toBe('y');
    expect(kids(publishedKeys(tied, 10, retention))).toEqual(['x', 'y']);
  });

  it('rotation is due when the active key is old enough and no successor waits', () => {
    expect(rotationDue([key('a', 0)], 999, 1000)).toBe(false);
    expect(rotationDue([key('a', 0)], 1000, 1000)).toBe(true);
    expect(rotationDue([key('a', 0), key('b', 2000)], 1500, 1000)).toBe(false);
    expect(rotationDue([], 1500, 1000)).toBe(false);
  });

  it('a first key is needed only when nothing signs now or later', () => {
    expect(needsFirstKey([], 0)).toBe(true);
    expect(needsFirstKey([key('a', 10)], 0)).toBe(false);
    expect(needsFirstKey([key('a', 0)], 10)).toBe(false);
  });
});
