import { describe, expect, it } from 'vitest';
import { settleBounded } from './settle-bounded.js';

describe('settleBounded', () => {
  it('settles every item in input order, never more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await settleBounded([1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (n % 3 === 0) throw new Error(`no ${n}`);
      return n * 10;
    });
    expect(most).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'no 3',
      40,
      50,
      'no 6',
      70,
    ]);
  });

  it('handles no items', async () => {
    expect(await settleBounded([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});
