import { describe, expect, it } from 'vitest';
import {
  createSeededRandom,
  createSimulatedProvider,
  InvalidProviderSettings,
  ProviderUnavailableError,
} from '../src/provider.js';

const request = { idempotencyKey: 'k', amount: { amountMinor: 100, currency: 'EUR' } };

async function outcomes(seed: number, failureRate: number, declineRate: number, n = 200) {
  const provider = createSimulatedProvider({ random: createSeededRandom(seed), failureRate, declineRate });
  const seen: string[] = [];
  for (let i = 0; i < n; i++)
    seen.push(
      await provider.authorize(request).then(
        (answer) => answer.outcome,
        (error: unknown) => (error instanceof ProviderUnavailableError ? 'failed' : 'other'),
      ),
    );
  return seen;
}

describe('simulated provider', () => {
  it('is deterministic for a seeded random source, and honours the rates', async () => {
    const a = await outcomes(1, 0.3, 0.2);
    expect(await outcomes(1, 0.3, 0.2)).toEqual(a);
    const failed = a.filter((o) => o === 'failed').length;
    const declined = a.filter((o) => o === 'declined').length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    expect(declined).toBeGreaterThan(10);
    expect(a).not.toContain('other');
    expect(new Set(await outcomes(2, 0, 0, 20))).toEqual(new Set(['authorized']));
    expect(new Set(await outcomes(2, 1, 0, 20))).toEqual(new Set(['failed']));
    expect(new Set(await outcomes(2, 0, 1, 20))).toEqual(new Set(['declined']));
  });

  it('applies its latency, counts calls, and changes settings at run time', async () => {
    const provider = createSimulatedProvider({ latencyMs: 30 });
    const started = performance.now();
    await provider.capture({ ...request, reference: 'r' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(provider.configure({ latencyMs: 0, failureRate: 1 })).toEqual({
      latencyMs: 0,
      failureRate: 1,
      declineRate: 0,
    });
    await expect(provider.refund({ ...request, reference: 'r' })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(provider.calls()).toEqual({ authorize: 0, capture: 1, void: 0, refund: 1 });
  });

  it('refuses settings out of range and keeps the old ones', () => {
    const provider = createSimulatedProvider();
    for (const bad of [
      { latencyMs: -1 },
      { latencyMs: 60_001 },
      { latencyMs: 0.5 },
      { failureRate: 1.1 },
      { declineRate: Number.NaN },
    ])
      expect(() => provider.configure(bad)).toThrow(InvalidProviderSettings);
    expect(provider.settings()).toEqual({ latencyMs: 0, failureRate: 0, declineRate: 0 });
  });
});
