import type { Endpoint, EndpointList } from '@opsloop/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EndpointRegistry } from './registry.js';

const endpoint = (instance: string, port = 4000, version = '1.0.0'): Endpoint => ({
  instance,
  url: `http://127.0.0.1:${port}`,
  version,
});

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void promise.then((value) => {
    state.settled = true;
    state.value = value;
  });
  return state;
}

describe('EndpointRegistry: lists and versions', () => {
  it('lists an unknown service as empty at version 0', () => {
    expect(new EndpointRegistry().list('cart')).toEqual({
      service: 'cart',
      resourceVersion: 0,
      endpoints: [],
    });
  });

  it('set adds endpoints and list returns them sorted by instance', () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-3', 4003));
    registry.set('catalog', endpoint('catalog-1', 4001));
    registry.set('catalog', endpoint('catalog-2', 4002));
    expect(registry.list('catalog').endpoints).toEqual([
      endpoint('catalog-1', 4001),
      endpoint('catalog-2', 4002),
      endpoint('catalog-3', 4003),
    ]);
  });

  it('set replaces the endpoint of the same instance; remove deletes it', () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1', 4001));
    registry.set('catalog', endpoint('catalog-1', 4555));
    expect(registry.list('catalog').endpoints).toEqual([endpoint('catalog-1', 4555)]);
    registry.remove('catalog', 'catalog-1');
    expect(registry.list('catalog').endpoints).toEqual([]);
  });

  it('keeps services apart', () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    registry.set('gateway', endpoint('gateway-1', 5000));
    registry.remove('catalog', 'gateway-1');
    expect(registry.list('catalog').endpoints.map((e) => e.instance)).toEqual(['catalog-1']);
    expect(registry.list('gateway').endpoints.map((e) => e.instance)).toEqual(['gateway-1']);
  });

  it('increases resourceVersion on real changes only', () => {
    const registry = new EndpointRegistry();
    const version = () => registry.list('catalog').resourceVersion;
    const seen = [version()];

    registry.set('catalog', endpoint('catalog-1', 4001));
    seen.push(version());
    expect(seen[1]).toBeGreaterThan(seen[0]!);

    registry.set('catalog', endpoint('catalog-1', 4001)); // identical: no change
    registry.remove('catalog', 'catalog-9'); // not there: no change
    expect(version()).toBe(seen[1]);

    registry.set('catalog', endpoint('catalog-1', 4002)); // new url
    seen.push(version());
    registry.set('catalog', endpoint('catalog-1', 4002, '2.0.0')); // new version
    seen.push(version());
    registry.remove('catalog', 'catalog-1');
    seen.push(version());
    registry.remove('catalog', 'catalog-1'); // already removed: no change
    expect(version()).toBe(seen.at(-1));

    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it("does not move one service's version when another changes", () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    const before = registry.list('catalog').resourceVersion;
    registry.set('gateway', endpoint('gateway-1', 5000));
    registry.remove('gateway', 'gateway-1');
    expect(registry.list('catalog').resourceVersion).toBe(before);
  });

  it('returns copies: changing a returned list does not change the registry', () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    registry.list('catalog').endpoints.pop();
    expect(registry.list('catalog').endpoints).toHaveLength(1);
  });
});

describe('EndpointRegistry: watch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves at once when the known version is stale', async () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    const watch = track(registry.watch('catalog', 0, 60_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled).toBe(true);
    expect(watch.value).toEqual(registry.list('catalog'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits while nothing changes and resolves on the change with the new list', async () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    const known = registry.list('catalog').resourceVersion;
    const watch = track(registry.watch('catalog', known, 60_000));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(watch.settled).toBe(false);

    registry.set('gateway', endpoint('gateway-1', 5000)); // another service: still waiting
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled).toBe(false);

    registry.set('catalog', endpoint('catalog-2', 4002));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled).toBe(true);
    const list = watch.value as EndpointList;
    expect(list.resourceVersion).toBeGreaterThan(known);
    expect(list.endpoints.map((e) => e.instance)).toEqual(['catalog-1', 'catalog-2']);
    expect(vi.getTimerCount()).toBe(0); // the timeout timer was cleared
  });

  it('wakes every waiter of the service on a change', async () => {
    const registry = new EndpointRegistry();
    const a = track(registry.watch('catalog', 0, 60_000));
    const b = track(registry.watch('catalog', 0, 60_000));
    registry.set('catalog', endpoint('catalog-1'));
    await vi.advanceTimersByTimeAsync(0);
    expect([a.settled, b.settled]).toEqual([true, true]);
    expect(a.value?.endpoints).toHaveLength(1);
  });

  it('resolves after the timeout with the unchanged list', async () => {
    const registry = new EndpointRegistry();
    registry.set('catalog', endpoint('catalog-1'));
    const before = registry.list('catalog');
    const watch = track(registry.watch('catalog', before.resourceVersion, 5_000));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(watch.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(watch.settled).toBe(true);
    expect(watch.value).toEqual(before);
  });

  it('a waiter that timed out is not woken again by a later change', async () => {
    const registry = new EndpointRegistry();
    let resolutions = 0;
    void registry.watch('catalog', 0, 1_000).then(() => resolutions++);
    await vi.advanceTimersByTimeAsync(1_000);
    registry.set('catalog', endpoint('catalog-1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(resolutions).toBe(1);
  });

  it('ends the wait when the signal aborts, with the current list, and clears its timer', async () => {
    const registry = new EndpointRegistry();
    const abort = new AbortController();
    const watch = track(registry.watch('catalog', 0, 60_000, abort.signal));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(watch.settled).toBe(false);
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled).toBe(true);
    expect(watch.value).toEqual({ service: 'catalog', resourceVersion: 0, endpoints: [] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not wait at all with an already aborted signal', async () => {
    const registry = new EndpointRegistry();
    const watch = track(registry.watch('catalog', 0, 60_000, AbortSignal.abort()));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closeWatches wakes every waiter of every service', async () => {
    const registry = new EndpointRegistry();
    const a = track(registry.watch('catalog', 0, 60_000));
    const b = track(registry.watch('gateway', 0, 60_000));
    registry.closeWatches();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.settled, b.settled]).toEqual([true, true]);
    expect(a.value).toEqual(registry.list('catalog'));
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('EndpointRegistry: traffic splits by revision', () => {
  const at = (instance: string, revision: string): Endpoint => ({
    instance,
    url: `http://127.0.0.1:${4000 + Number(instance.slice(-1))}`,
    version: '1.0.0',
    revision,
  });

  it("weights each endpoint by its revision share over that revision's ready endpoints", () => {
    const registry = new EndpointRegistry();
    for (const e of [
      at('web-1', 'stable'),
      at('web-2', 'stable'),
      at('web-3', 'stable'),
      at('web-4', 'canary'),
    ])
      registry.set('web', e);
    const before = registry.list('web').resourceVersion;
    expect(registry.list('web').endpoints.every((e) => e.weight === undefined)).toBe(true);

    registry.split('web', { stable: 90, canary: 10 });
    const split = registry.list('web');
    expect(split.resourceVersion).toBeGreaterThan(before);
    expect(split.endpoints.map((e) => [e.instance, e.weight])).toEqual([
      ['web-1', 3000],
      ['web-2', 3000],
      ['web-3', 3000],
      ['web-4', 1000],
    ]);
    // Shares hold whatever the counts: a second canary replica halves each canary weight.
    registry.set('web', at('web-5', 'canary'));
    expect(
      registry
        .list('web')
        .endpoints.filter((e) => e.revision === 'canary')
        .map((e) => e.weight),
    ).toEqual([500, 500]);
    // A revision the split does not name gets nothing new.
    registry.split('web', { canary: 100 });
    expect(
      registry
        .list('web')
        .endpoints.filter((e) => e.revision === 'stable')
        .map((e) => e.weight),
    ).toEqual([0, 0, 0]);
    registry.split('web', undefined);
    expect(registry.list('web').endpoints.every((e) => e.weight === undefined)).toBe(true);
    expect(() => registry.split('web', { stable: 120 })).toThrow(RangeError);
  });
});

describe('EndpointRegistry: preview names', () => {
  it('resolves <service>.preview to the preview revision only, and wakes its watchers', async () => {
    const registry = new EndpointRegistry();
    registry.set('web', { ...endpoint('web-1', 4001), revision: 'blue' });
    registry.set('web', { ...endpoint('web-2', 4002), revision: 'green' });
    expect(registry.list('web.preview').endpoints).toEqual([]);
    const known = registry.list('web.preview').resourceVersion;
    const watched = registry.watch('web.preview', known, 5_000);
    registry.setPreview('web', 'green');
    const list = await watched;
    expect(list.service).toBe('web.preview');
    expect(list.endpoints.map((e) => e.instance)).toEqual(['web-2']);
    // The service's own list is unchanged: both revisions.
    expect(registry.list('web').endpoints).toHaveLength(2);
    registry.setPreview('web', undefined);
    expect(registry.list('web.preview').endpoints).toEqual([]);
  });
});

describe('EndpointRegistry: circuits', () => {
  it('shows the caller whose circuit is open no endpoints, and everyone else all of them', () => {
    const registry = new EndpointRegistry();
    registry.set('users', endpoint('users-1', 4001));
    registry.openCircuit('cart', 'users');
    expect(registry.list('users', 'cart').endpoints).toEqual([]);
    expect(registry.list('users', 'gateway').endpoints.map((e) => e.instance)).toEqual(['users-1']);
    expect(registry.list('users').endpoints).toHaveLength(1);
    expect(registry.list('users.preview', 'cart').endpoints).toEqual([]);
    expect(registry.openCircuits()).toEqual([{ caller: 'cart', service: 'users' }]);

    registry.closeCircuit('cart', 'users');
    expect(registry.list('users', 'cart').endpoints.map((e) => e.instance)).toEqual(['users-1']);
    expect(registry.openCircuits()).toEqual([]);
    expect(registry.closeCircuit('cart', 'users')).toBe(false); // closing a closed circuit is nothing
  });

  it('wakes the caller’s watch when its circuit opens and again when it closes', async () => {
    const registry = new EndpointRegistry();
    registry.set('users', endpoint('users-1', 4001));
    const before = registry.list('users', 'cart').resourceVersion;
    const opened = registry.watch('users', before, 5_000, undefined, 'cart');
    registry.openCircuit('cart', 'users');
    const seen = await opened;
    expect(seen.endpoints).toEqual([]);
    expect(seen.resourceVersion).toBeGreaterThan(before);

    const closed = registry.watch('users', seen.resourceVersion, 5_000, undefined, 'cart');
    registry.closeCircuit('cart', 'users');
    expect((await closed).endpoints.map((e) => e.instance)).toEqual(['users-1']);
  });

  it('opening an open circuit changes nothing (no version bump)', () => {
    const registry = new EndpointRegistry();
    expect(registry.openCircuit('cart', 'users')).toBe(true);
    const version = registry.list('users').resourceVersion;
    expect(registry.openCircuit('cart', 'users')).toBe(false);
    expect(registry.list('users').resourceVersion).toBe(version);
  });
});
