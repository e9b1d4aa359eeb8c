import type { Endpoint } from '@opsloop/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHT } from './load-balancer.js';
import { createWeightedRoundRobin } from './weighted-round-robin.js';

const endpoint = (instance: string, weight?: number): Endpoint => ({
  instance,
  url: `http://127.0.0.1:1/${instance}`,
  version: '1',
  ...(weight === undefined ? {} : { weight }),
});

function countPicks(
  balancer: ReturnType<typeof createWeightedRoundRobin>,
  list: readonly Endpoint[],
  picks: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const instance = balancer.pick(list)!.instance;
    counts.set(instance, (counts.get(instance) ?? 0) + 1);
  }
  return counts;
}

const totalWeight = (list: readonly Endpoint[]) => list.reduce((sum, e) => sum + (e.weight ?? 0), 0);

describe('createWeightedRoundRobin', () => {
  it('splits 10 000 picks 90/10 exactly, in every cycle of 100', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('stable-1', 90), endpoint('canary-1', 10)];
    const all = new Map<string, number>();
    for (let cycle = 0; cycle < 100; cycle++) {
      const counts = countPicks(balancer, list, 100);
      expect(Object.fromEntries(counts)).toEqual({ 'stable-1': 90, 'canary-1': 10 });
      for (const [instance, n] of counts) all.set(instance, (all.get(instance) ?? 0) + n);
    }
    expect(Object.fromEntries(all)).toEqual({ 'stable-1': 9000, 'canary-1': 1000 });
  });

  it('spreads the small share out instead of sending it in a burst', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('stable-1', 90), endpoint('canary-1', 10)];
    const sequence = Array.from({ length: 200 }, () => balancer.pick(list)!.instance);
    const canaryAt = sequence.flatMap((instance, i) => (instance === 'canary-1' ? [i] : []));
    expect(canaryAt).toHaveLength(20);
    for (let i = 1; i < canaryAt.length; i++) expect(canaryAt[i]! - canaryAt[i - 1]!).toBe(10);
    // nginx's example: 5/1/1 interleaves as a a b a c a a.
    const nginx = createWeightedRoundRobin();
    const abc = [endpoint('a', 5), endpoint('b', 1), endpoint('c', 1)];
    expect(Array.from({ length: 7 }, () => nginx.pick(abc)!.instance).join(' ')).toBe('a a b a c a a');
  });

  it('gives a weight-0 endpoint nothing', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('a', 0), endpoint('b', 3), endpoint('c', 1)];
    expect(Object.fromEntries(countPicks(balancer, list, 400))).toEqual({ b: 300, c: 100 });
    expect(balancer.pick([endpoint('a', 0), endpoint('b', 3)], new Set(['b']))).toBeUndefined();
  });

  it('treats a list of only weight-0 endpoints as equal rather than refusing every request', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('a', 0), endpoint('b', 0)];
    expect(Object.fromEntries(countPicks(balancer, list, 4))).toEqual({ a: 2, b: 2 });
  });

  it(`gives an endpoint without a weight the default share (${DEFAULT_WEIGHT})`, () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('plain'), endpoint('half', DEFAULT_WEIGHT / 2)];
    expect(Object.fromEntries(countPicks(balancer, list, 300))).toEqual({ plain: 200, half: 100 });
  });

  it('is plain round-robin in list order when weights are equal', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('a'), endpoint('b'), endpoint('c')];
    expect(Array.from({ length: 7 }, () => balancer.pick(list)!.instance)).toEqual(
      'a b c a b c a'.split(' '),
    );
  });

  it('skips excluded instances and gives a retry every replica once', () => {
    const balancer = createWeightedRoundRobin();
    const list = [endpoint('a', 2), endpoint('b', 1), endpoint('c', 1)];
    const tried = new Set<string>();
    for (let i = 0; i < 3; i++) tried.add(balancer.pick(list, tried)!.instance);
    expect(tried).toEqual(new Set(['a', 'b', 'c']));
    expect(balancer.pick(list, tried)).toBeUndefined();
    expect(balancer.pick([])).toBeUndefined();
  });

  it('hands out leases (acquire) for the LoadBalancer interface', () => {
    const balancer = createWeightedRoundRobin();
    const lease = balancer.acquire([endpoint('a'), endpoint('b')]);
    expect(lease?.endpoint.instance).toBe('a');
    lease?.release('failure');
    lease?.release('success');
    expect(balancer.acquire([endpoint('a'), endpoint('b')])?.endpoint.instance).toBe('b');
    expect(balancer.acquire([endpoint('a')], new Set(['a']))).toBeUndefined();
  });

  it('keeps its place per instance when the list changes order or members', () => {
    const balancer = createWeightedRoundRobin();
    const [a, b, c] = [endpoint('a'), endpoint('b'), endpoint('c')];
    expect(balancer.pick([a, b, c])!.instance).toBe('a');
    // Same members, another order: b and c are still due before a.
    const next = [balancer.pick([c, a, b])!.instance, balancer.pick([b, c, a])!.instance];
    expect(new Set(next)).toEqual(new Set(['b', 'c']));
    // b leaves and d joins: a, c and d each get one turn per cycle.
    const d = endpoint('d');
    expect(Object.fromEntries(countPicks(balancer, [a, c, d], 3))).toEqual({ a: 1, c: 1, d: 1 });
  });

  it('property: over one full cycle, each endpoint is picked exactly its weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (weights, cycles) => {
          fc.pre(weights.some((w) => w > 0));
          const list = weights.map((w, i) => endpoint(`e${i}`, w));
          const cycle = totalWeight(list);
          const balancer = createWeightedRoundRobin();
          for (let n = 0; n < cycles; n++) {
            const counts = countPicks(balancer, list, cycle);
            for (const e of list) expect(counts.get(e.instance) ?? 0).toBe(e.weight);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: after the list changes, the split is exact again from the second cycle and never off by more than 2', () => {
    const member = fc.record({
      id: fc.integer({ min: 0, max: 11 }),
      weight: fc.integer({ min: 0, max: 30 }),
    });
    const list = fc
      .uniqueArray(member, { selector: (m) => m.id, minLength: 1, maxLength: 8 })
      .map((members) => members.map((m) => endpoint(`e${m.id}`, m.weight)));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(list, fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 4 }),
        list,
        (history, final) => {
          fc.pre(totalWeight(final) > 0);
          const balancer = createWeightedRoundRobin();
          for (const [earlier, picks] of history) for (let i = 0; i < picks; i++) balancer.pick(earlier);
          const cycle = totalWeight(final);
          const cumulative = new Map<string, number>();
          for (let n = 1; n <= 4; n++) {
            const counts = countPicks(balancer, final, cycle);
            for (const e of final) {
              const got = counts.get(e.instance) ?? 0;
              cumulative.set(e.instance, (cumulative.get(e.instance) ?? 0) + got);
              if (n >= 2) expect(got).toBe(e.weight);
              expect(Math.abs(cumulative.get(e.instance)! - n * e.weight!)).toBeLessThanOrEqual(2);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
