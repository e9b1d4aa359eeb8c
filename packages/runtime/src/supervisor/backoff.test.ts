import { describe, expect, it } from 'vitest';
import { RestartBackoff, type BackoffOptions } from './backoff.js';

/** Kubernetes' CrashLoopBackOff settings. */
const KUBELET: BackoffOptions = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** Delays after `count` exits of runs that each lasted `ranForMs`. */
const delays = (backoff: RestartBackoff, count: number, ranForMs = 1_000): number[] =>
  Array.from({ length: count }, () => backoff.onExit(ranForMs));

describe('RestartBackoff', () => {
  it('follows the kubelet sequence: immediate, then 10 s doubling, capped at 5 min', () => {
    const backoff = new RestartBackoff(KUBELET);
    expect(delays(backoff, 9)).toEqual([
      0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
    expect(backoff.failures).toBe(9);
  });

  it('starts with no failures counted', () => {
    expect(new RestartBackoff(KUBELET).failures).toBe(0);
  });

  it('stays at the cap however many exits there are (no overflow to Infinity or NaN)', () => {
    const backoff = new RestartBackoff(KUBELET);
    const all = delays(backoff, 2_000);
    expect(all.at(-1)).toBe(300_000);
    expect(all.every((d) => Number.isFinite(d) && d >= 0 && d <= 300_000)).toBe(true);
  });

  it('scales with other settings (sub-second initial delay, cap not a power-of-two multiple)', () => {
    const backoff = new RestartBackoff({ initialMs: 200, maxMs: 1_000, resetAfterMs: 60_000 });
    expect(delays(backoff, 6, 50)).toEqual([0, 200, 400, 800, 1_000, 1_000]);
  });

  it('starts over with an immediate restart after a run of at least resetAfter', () => {
    const backoff = new RestartBackoff(KUBELET);
    expect(delays(backoff, 4)).toEqual([0, 10_000, 20_000, 40_000]);
    // The run that ended just now lasted exactly resetAfter: the crash loop is over.
    expect(backoff.onExit(600_000)).toBe(0);
    expect(backoff.failures).toBe(1);
    expect(delays(backoff, 3)).toEqual([10_000, 20_000, 40_000]);
  });

  it('does not reset after a run just shorter than resetAfter', () => {
    const backoff = new RestartBackoff(KUBELET);
    delays(backoff, 3);
    expect(backoff.onExit(599_999)).toBe(40_000);
    expect(backoff.failures).toBe(4);
  });

  it('resets on a long run even when the first exit was long too', () => {
    const backoff = new RestartBackoff(KUBELET);
    expect(backoff.onExit(3_600_000)).toBe(0);
    expect(backoff.onExit(3_600_000)).toBe(0);
    expect(backoff.failures).toBe(1);
  });

  it('accepts initial equal to max', () => {
    const backoff = new RestartBackoff({ initialMs: 5_000, maxMs: 5_000, resetAfterMs: 10_000 });
    expect(delays(backoff, 4)).toEqual([0, 5_000, 5_000, 5_000]);
  });

  it.each<[string, Partial<BackoffOptions>, RegExp]>([
    ['initial 0', { initialMs: 0 }, /0 < initial ≤ max/],
    ['negative initial', { initialMs: -1 }, /0 < initial ≤ max/],
    ['max below initial', { initialMs: 20_000, maxMs: 10_000 }, /0 < initial ≤ max/],
    ['NaN initial', { initialMs: Number.NaN }, /0 < initial ≤ max/],
    ['NaN max', { maxMs: Number.NaN }, /0 < initial ≤ max/],
    ['infinite max', { maxMs: Number.POSITIVE_INFINITY }, /0 < initial ≤ max/],
    ['resetAfter 0', { resetAfterMs: 0 }, /resetAfter > 0/],
    ['NaN resetAfter', { resetAfterMs: Number.NaN }, /resetAfter > 0/],
  ])('rejects %s', (_name, override, message) => {
    expect(() => new RestartBackoff({ ...KUBELET, ...override })).toThrow(message);
  });
});
