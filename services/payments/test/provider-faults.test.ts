import { createFaultRegistry, setCurrentFaultRegistry, type FaultRegistry } from '@opsloop/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSimulatedProvider,
  InvalidProviderSettings,
  ProviderUnavailableError,
} from '../src/provider.js';

const request = { idempotencyKey: 'k', amount: { amountMinor: 100, currency: 'EUR' } };
const payment = { ...request, reference: 'r' };

let faults: FaultRegistry;
beforeEach(() => {
  faults = createFaultRegistry();
  setCurrentFaultRegistry(faults);
});
afterEach(() => {
  faults.close();
  setCurrentFaultRegistry(undefined);
});

describe('the payment-provider fault point', () => {
  it('fails every call as the provider being unavailable while an errors fault is in force', async () => {
    const provider = createSimulatedProvider();
    faults.add({ id: 'down', kind: 'errors', point: 'payment-provider', params: { ratio: 1 } });
    await expect(provider.authorize(request)).rejects.toBeInstanceOf(ProviderUnavailableError);
    for (const call of [provider.capture, provider.void, provider.refund])
      await expect(call(payment)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.calls()).toEqual({ authorize: 1, capture: 1, void: 1, refund: 1 });
    faults.remove('down');
    expect((await provider.authorize(request)).outcome).toBe('authorized');
  });

  it('adds the injected latency to its own settings', async () => {
    const provider = createSimulatedProvider({ latencyMs: 20 });
    faults.add({ kind: 'latency', point: 'payment-provider', params: { ms: 100 } });
    const started = performance.now();
    await provider.capture(payment);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('names its point per instance, so a secondary provider is faulted alone', async () => {
    const primary = createSimulatedProvider();
    const secondary = createSimulatedProvider({ faultPoint: 'payment-provider:secondary' });
    faults.add({ kind: 'errors', point: 'payment-provider:secondary', params: { ratio: 1 } });
    expect((await primary.authorize(request)).outcome).toBe('authorized');
    await expect(secondary.authorize(request)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(() => createSimulatedProvider({ faultPoint: 'bad point' })).toThrow(InvalidProviderSettings);
  });
});
