import { createSeededRandom } from '../seeded-random.js';
import type { Endpoint } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import { createLeastOutstanding } from './least-outstanding.js';
import type { Lease } from './load-balancer.js';

const endpoint = (instance: string, weight?: number): Endpoint => ({
  instance,
  url: `http://127.0.0.1:1/${instance}`,
  version: '1',
  ...(weight === undefined ? {} : { weight }),
});

/** A random source that replays `values` in a loop. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const abc = [endpoint('a'), endpoint('b'), endpoint('c')];

describe('createLeastOutstanding', () => {
  it('alternates between two idle endpoints', () => {
    const balancer = createLeastOutstanding();
    const two = [endpoint('a'), endpoint('b')];
    const picks = Array.from({ length: 6 }, () => {
      const lease = balancer.acquire(two)!;
      lease.release('success');
      return lease.endpoint.instance;
    });
    expect(picks).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('sends new requests to the other endpoint while one is slow (two endpoints: full scan)', () => {
    const balancer = createLeastOutstanding();
    const two = [endpoint('slow'), endpoint('fast')];
    const stuck: Lease[] = [];
    // The first request lands on slow and never ends; fast answers everything at once.
    stuck.push(balancer.acquire(two)!);
    expect(stuck[0]!.endpoint.instance).toBe('slow');
    for (let i = 0; i < 20; i++) {
      const lease = balancer.acquire(two)!;
      expect(lease.endpoint.instance).toBe('fast');
      lease.release('success');
    }
    expect(balancer.outstanding('slow')).toBe(1);
  });

  it('keeps new requests off an endpoint with many outstanding (more than two: power of two choices)', () => {
    const balancer = createLeastOutstanding({ random: createSeededRandom(7) });
    // Five requests stuck on a, as a slow replica accumulates them (pinned there by excluding the others).
    const held = Array.from({ length: 5 }, () => balancer.acquire(abc, new Set(['b', 'c']))!);
    expect(balancer.outstanding('a')).toBe(5);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const lease = balancer.acquire(abc)!;
      counts[lease.endpoint.instance] = (counts[lease.endpoint.instance] ?? 0) + 1;
      lease.release('success');
    }
    expect(counts.a).toBeUndefined();
    expect(counts.b! + counts.c!).toBe(300);
    // Once a catches up, it is chosen again.
    for (const lease of held) lease.release('success');
    const after = new Set(
      Array.from({ length: 60 }, () => {
        const lease = balancer.acquire(abc)!;
        lease.release('success');
        return lease.endpoint.instance;
      }),
    );
    expect(after).toEqual(new Set(['a', 'b', 'c']));
  });

  it('draws two distinct candidates from the injected random source and keeps the less loaded', () => {
    // 0.0 → candidate 0 (a); then 0.0 of the two others → b. Both idle: the first drawn wins.
    const first = createLeastOutstanding({ random: scripted([0, 0]) });
    expect(first.acquire(abc)!.endpoint.instance).toBe('a');
    // a now has one in flight: the same draw picks b.
    expect(first.acquire(abc)!.endpoint.instance).toBe('b');
    // 0.9 → c; 0.9 of the other two (a, b) → b. Idle tie: c.
    const second = createLeastOutstanding({ random: scripted([0.9, 0.9]) });
    expect(second.acquire(abc)!.endpoint.instance).toBe('c');
    // A source that returns 1 (out of contract) still yields valid indices.
    const edge = createLeastOutstanding({ random: () => 1 });
    expect(['a', 'b', 'c']).toContain(edge.acquire(abc)!.endpoint.instance);
  });

  it('is deterministic for a given random source', () => {
    const run = () => {
      const balancer = createLeastOutstanding({ random: createSeededRandom(42) });
      const held: Lease[] = [];
      return Array.from({ length: 50 }, (_, i) => {
        const lease = balancer.acquire([...abc, endpoint('d')])!;
        if (i % 3 === 0) held.push(lease);
        else lease.release('success');
        return lease.endpoint.instance;
      }).join('');
    };
    expect(run()).toBe(run());
  });

  it('honours weights when idle: 90/10 exactly over 1 000 sequential requests', () => {
    const balancer = createLeastOutstanding();
    const list = [endpoint('stable', 90), endpoint('canary', 10)];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const lease = balancer.acquire(list)!;
      counts[lease.endpoint.instance] = (counts[lease.endpoint.instance] ?? 0) + 1;
      lease.release('success');
    }
    expect(counts).toEqual({ stable: 900, canary: 100 });
  });

  it('shifts weighted traffic away from a busy endpoint: weight / (active + 1)', () => {
    const balancer = createLeastOutstanding();
    const list = [endpoint('heavy', 60), endpoint('light', 40)];
    // 59 requests stuck on heavy: its effective weight is 60 / 60 = 1 against light's 40.
    for (let i = 0; i < 59; i++) balancer.acquire(list, new Set(['light']));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 410; i++) {
      const lease = balancer.acquire(list)!;
      counts[lease.endpoint.instance] = (counts[lease.endpoint.instance] ?? 0) + 1;
      lease.release('success');
    }
    expect(counts.light).toBeGreaterThanOrEqual(395);
    expect(balancer.outstanding('heavy')).toBe(59);
  });

  it('gives a weight-0 endpoint nothing', () => {
    const balancer = createLeastOutstanding({ random: createSeededRandom(1) });
    const list = [endpoint('drain', 0), endpoint('b'), endpoint('c'), endpoint('d')];
    for (let i = 0; i < 200; i++) {
      const lease = balancer.acquire(list)!;
      expect(lease.endpoint.instance).not.toBe('drain');
      lease.release('success');
    }
  });

  it('skips excluded instances; undefined when none is left', () => {
    const balancer = createLeastOutstanding({ random: createSeededRandom(3) });
    for (let i = 0; i < 20; i++) {
      const lease = balancer.acquire(abc, new Set(['a', 'c']))!;
      expect(lease.endpoint.instance).toBe('b');
      lease.release('success');
    }
    expect(balancer.acquire(abc, new Set(['a', 'b', 'c']))).toBeUndefined();
    expect(balancer.acquire([])).toBeUndefined();
  });

  it('counts a release once however often it is called', () => {
    const balancer = createLeastOutstanding();
    const one = balancer.acquire(abc)!;
    const two = balancer.acquire([one.endpoint])!;
    expect(balancer.outstanding(one.endpoint.instance)).toBe(2);
    one.release('failure');
    one.release('success');
    expect(balancer.outstanding(one.endpoint.instance)).toBe(1);
    two.release('ignored');
    expect(balancer.outstanding(one.endpoint.instance)).toBe(0);
  });
});
