import type { Endpoint } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import { createRoundRobin } from './round-robin.js';

const endpoint = (instance: string): Endpoint => ({
  instance,
  url: `http://127.0.0.1:${3000 + Number(instance.split('-')[1])}`,
  version: '1',
});
const three = [endpoint('svc-1'), endpoint('svc-2'), endpoint('svc-3')];

function picks(count: number, list: readonly Endpoint[], exclude?: ReadonlySet<string>) {
  const balancer = createRoundRobin();
  return Array.from({ length: count }, () => balancer.pick(list, exclude)?.instance);
}

describe('createRoundRobin', () => {
  it('cycles through the endpoints in order', () => {
    expect(picks(7, three)).toEqual(['svc-1', 'svc-2', 'svc-3', 'svc-1', 'svc-2', 'svc-3', 'svc-1']);
  });

  it('spreads picks evenly', () => {
    const counts = new Map<string, number>();
    for (const instance of picks(300, three)) counts.set(instance!, (counts.get(instance!) ?? 0) + 1);
    expect([...counts.values()]).toEqual([100, 100, 100]);
  });

  it('returns undefined for an empty list', () => {
    expect(createRoundRobin().pick([])).toBeUndefined();
  });

  it('always picks the only endpoint', () => {
    expect(picks(3, [endpoint('svc-1')])).toEqual(['svc-1', 'svc-1', 'svc-1']);
  });

  it('skips excluded instances', () => {
    expect(picks(4, three, new Set(['svc-2']))).toEqual(['svc-1', 'svc-3', 'svc-1', 'svc-3']);
  });

  it('returns undefined when every instance is excluded', () => {
    expect(createRoundRobin().pick(three, new Set(['svc-1', 'svc-2', 'svc-3']))).toBeUndefined();
  });

  it('gives a retry a different replica than the first attempt', () => {
    const balancer = createRoundRobin();
    for (let i = 0; i < 5; i++) {
      const tried = new Set<string>();
      const first = balancer.pick(three, tried)!;
      tried.add(first.instance);
      const second = balancer.pick(three, tried)!;
      tried.add(second.instance);
      const third = balancer.pick(three, tried)!;
      tried.add(third.instance);
      expect(new Set([first.instance, second.instance, third.instance]).size).toBe(3);
      expect(balancer.pick(three, tried)).toBeUndefined();
    }
  });

  it('keeps working when the endpoint list shrinks or grows', () => {
    const balancer = createRoundRobin();
    expect(balancer.pick(three)?.instance).toBe('svc-1');
    expect(balancer.pick(three)?.instance).toBe('svc-2');
    expect(balancer.pick(three)?.instance).toBe('svc-3');
    expect(balancer.pick(three)?.instance).toBe('svc-1');
    expect(balancer.pick(three)?.instance).toBe('svc-2');
    // Only one replica left: whatever the position, it is returned.
    const one = [endpoint('svc-9')];
    expect(balancer.pick(one)?.instance).toBe('svc-9');
    expect(balancer.pick(one)?.instance).toBe('svc-9');
    // Back to several: every replica is still reached.
    const seen = new Set(Array.from({ length: 3 }, () => balancer.pick(three)?.instance));
    expect(seen).toEqual(new Set(['svc-1', 'svc-2', 'svc-3']));
  });

  it('keeps separate positions per balancer', () => {
    const a = createRoundRobin();
    const b = createRoundRobin();
    expect(a.pick(three)?.instance).toBe('svc-1');
    expect(a.pick(three)?.instance).toBe('svc-2');
    expect(b.pick(three)?.instance).toBe('svc-1');
  });
});
