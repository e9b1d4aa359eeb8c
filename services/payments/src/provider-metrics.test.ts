import { createTestTracing, SpanKind, SpanStatusCode, trace, type TestTracing } from '@opsloop/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentProvider, type ProviderCallMetrics } from './provider-metrics.js';
import { ProviderUnavailableError, type CardProvider } from './provider.js';

let tracing: TestTracing;
beforeAll(() => {
  tracing = createTestTracing('payments');
});
afterAll(() => tracing.shutdown());

const request = { idempotencyKey: 'k1', reference: 'r1', amount: { amountMinor: 100, currency: 'EUR' } };

describe('an instrumented card provider', () => {
  it('counts every call and traces it as a call to its dependency, failed calls as errors', async () => {
    const seen: string[] = [];
    const metrics: ProviderCallMetrics = { observe: (p, op, outcome) => seen.push(`${p} ${op} ${outcome}`) };
    const provider: CardProvider = {
      authorize: () => Promise.resolve({ outcome: 'declined', reason: 'insufficient funds' }),
      capture: () => Promise.reject(new ProviderUnavailableError('provider timed out')),
      void: () => Promise.resolve(),
      refund: () => Promise.resolve(),
    };
    const traced = instrumentProvider('secondary', provider, metrics);
    await trace.getTracer('test').startActiveSpan('Authorize', async (root) => {
      await traced.authorize({ idempotencyKey: 'k1', amount: request.amount });
      await expect(traced.capture(request)).rejects.toThrow('provider timed out');
      root.end();
    });
    expect(seen).toEqual(['secondary authorize declined', 'secondary capture unavailable']);
    const [authorize] = tracing.spansNamed('authorize');
    const [capture] = tracing.spansNamed('capture');
    expect(authorize?.kind).toBe(SpanKind.CLIENT);
    expect(authorize?.attributes['peer.service']).toBe('payment-provider-secondary');
    // A decline is the provider working: only the unavailable capture is a failed call.
    expect(authorize?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(capture?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
