import { describe, expect, it } from 'vitest';
import { ActionLimits } from './action-limits.js';
import { RemediationOptionsError, RemediationSnapshotError } from './remediation-errors.js';

const HOUR = 3_600_000;

describe('ActionLimits', () => {
  it('counts actions over a sliding hour', () => {
    const limits = new ActionLimits({ maxActionsPerHourPerService: 2, globalMaxConcurrent: 5 });
    limits.begin('orders', 0);
    limits.end('orders');
    limits.begin('orders', 30 * 60_000);
    limits.end('orders');
    expect(limits.refusal('orders', HOUR - 1)).toMatch(
      /^2 actions on orders in the last hour \(limit 2; next allowed at 1970-01-01T01:00:00.000Z\)$/,
    );
    expect(limits.refusal('cart', HOUR - 1)).toBeNull();
    // The first action leaves the window one hour after it was taken.
    expect(limits.refusal('orders', HOUR)).toBeNull();
  });

  it('locks a service while its action is in flight and caps actions in flight overall', () => {
    const limits = new ActionLimits({ globalMaxConcurrent: 2 });
    limits.begin('orders', 0);
    expect(limits.refusal('orders', 0)).toBe('an action on orders is already in flight');
    limits.begin('cart', 0);
    expect(limits.refusal('catalog', 0)).toBe('2 actions in flight (global limit 2)');
    limits.end('orders');
    expect(limits.refusal('catalog', 0)).toBeNull();
    expect(limits.inFlight()).toEqual(['cart']);
  });

  it('snapshots only the last hour and restores it', () => {
    const limits = new ActionLimits();
    limits.begin('orders', 0);
    limits.begin('cart', HOUR / 2);
    const snapshot = limits.snapshot(HOUR + 1);
    expect(snapshot).toEqual({ version: 1, actions: { cart: [HOUR / 2] } });
    const restored = new ActionLimits({ maxActionsPerHourPerService: 1 });
    restored.restore(snapshot);
    expect(restored.refusal('cart', HOUR + 1)).toMatch(/limit 1/);
    expect(() => restored.restore({ version: 1, actions: { cart: 'x' } })).toThrow(RemediationSnapshotError);
  });

  it('refuses limits out of range', () => {
    expect(() => new ActionLimits({ maxActionsPerHourPerService: 0 })).toThrow(RemediationOptionsError);
    expect(() => new ActionLimits({ globalMaxConcurrent: 1.5 })).toThrow(/globalMaxConcurrent/);
    expect(() => new ActionLimits({ maxConcurrentPerService: 2 as 1 })).toThrow(/fixed at 1/);
  });
});
