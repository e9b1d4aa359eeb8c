import { describe, expect, it } from 'vitest';
import type { RuntimeEventRecord } from '../../api/types.js';
import { markerOfEvent } from './service-markers.js';

describe('markerOfEvent', () => {
  it('turns the runtime events that concern a service into markers', () => {
    const at = '2026-12-07T05:00:00.000Z';
    const m = (e: Partial<RuntimeEventRecord> & { type: string }) =>
      markerOfEvent({ seq: 1, at, ...e }, 'cart');
    expect(m({ type: 'autoscaled', service: 'cart', from: 2, to: 4, reason: 'cpu 0.9 > 0.7' })).toEqual({
      at: Date.parse(at) / 1000,
      kind: 'scale',
      label: 'autoscaled 2 → 4 (cpu 0.9 > 0.7)',
    });
    expect(m({ type: 'service-scaled', service: 'payments', from: 1, to: 2 })).toBeUndefined();
    expect(m({ type: 'spec-applied', changes: ['flags: changed new-checkout'] })?.kind).toBe('flag');
    expect(
      m({ type: 'rollout-step', service: 'cart', revision: 'abcdef1234567', weight: 20, step: 1, of: 4 })
        ?.label,
    ).toBe('rollout abcdef1234 step 1/4 at 20 %');
    expect(m({ type: 'chaos', phase: 'start', id: 'c1', detail: 'latency on cart-1 injected' })?.kind).toBe(
      'chaos',
    );
    expect(
      m({ type: 'chaos', phase: 'start', id: 'c1', detail: 'latency on cart-api-1 injected' }),
    ).toBeUndefined();
    expect(m({ type: 'control-api', url: 'http://127.0.0.1:7070' })).toBeUndefined();
    expect(m({ type: 'control-api', summary: 'flag new-checkout set to 50 %' })?.kind).toBe('flag');
    expect(m({ type: 'replica-ready', service: 'cart' })).toBeUndefined();
    expect(m({ type: 'service-scaled', service: 'cart', at: 'garbage' })).toBeUndefined();
  });
});
