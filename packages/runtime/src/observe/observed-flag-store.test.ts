import { createFlagStore } from '@opsloop/flags';
import { describe, expect, it } from 'vitest';
import { observeFlagChanges } from './observed-flag-store.js';

const DOCUMENT = {
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
    },
    'gateway-rate-limit-rps': {
      state: 'ENABLED',
      variants: { none: 0, low: 10 },
      defaultVariant: 'none',
    },
  },
};

function observed() {
  const changes: [string, string | null, string | null][] = [];
  const inner = createFlagStore(DOCUMENT);
  const store = observeFlagChanges(inner, (flag, from, to) => changes.push([flag, from, to]));
  return { inner, store, changes };
}

describe('observeFlagChanges', () => {
  it('reports a set that changes the default variant, with from and to', () => {
    const { store, changes } = observed();
    store.set('new-checkout', { defaultVariant: 'on' });
    expect(changes).toEqual([['new-checkout', 'off', 'on']]);
    expect(store.get('new-checkout')?.defaultVariant).toBe('on');
  });

  it('reports nothing for a set that leaves the default variant as it was', () => {
    const { store, changes } = observed();
    store.set('new-checkout', { defaultVariant: 'off' });
    store.set('new-checkout', { state: 'DISABLED' });
    expect(changes).toEqual([]);
  });

  it('reports each changed flag of a replaced document, not the unchanged ones, and added ones from null', () => {
    const { store, changes } = observed();
    const next = structuredClone(DOCUMENT) as {
      flags: Record<string, { state: string; variants: Record<string, unknown>; defaultVariant: string }>;
    };
    next.flags['gateway-rate-limit-rps']!.defaultVariant = 'low';
    next.flags['dark-mode'] = { state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: 'b' };
    store.replace(next);
    expect(changes).toEqual([
      ['gateway-rate-limit-rps', 'none', 'low'],
      ['dark-mode', null, 'b'],
    ]);
  });

  it('reports nothing when a set or replace is refused', () => {
    const { store, changes } = observed();
    expect(() => store.set('nope', { defaultVariant: 'on' })).toThrow();
    expect(() =>
      store.replace({ flags: { x: { state: 'ENABLED', variants: {}, defaultVariant: 'y' } } }),
    ).toThrow();
    expect(changes).toEqual([]);
    expect(store.get('new-checkout')?.defaultVariant).toBe('off');
  });

  it('stays the same store: reads, snapshots and the resourceVersion follow every change', async () => {
    const { inner, store } = observed();
    const before = store.resourceVersion;
    store.set('new-checkout', { defaultVariant: 'on' });
    expect(inner.get('new-checkout')?.defaultVariant).toBe('on');
    expect(store.snapshot().resourceVersion).toBe(inner.resourceVersion);
    expect(store.resourceVersion).toBe(inner.resourceVersion);
    expect(store.resourceVersion).not.toBe(before);
    // A watcher through the wrapper wakes on a change made through it.
    const woken = store.waitForChange(store.resourceVersion, 5_000);
    store.set('new-checkout', { defaultVariant: 'off' });
    expect((await woken)?.resourceVersion).toBe(inner.resourceVersion);
    store.close();
  });
});
