import { performance } from 'node:perf_hooks';
import { counterOn, histogramOn, traceDependencyCall, type ServiceMetrics } from '@opsloop/kit';
import { ProviderUnavailableError, type CardProvider } from './provider.js';

/** The provider operations, as the `operation` label names them. */
export type ProviderOperation = keyof CardProvider;

/** How one provider call ended: a closed set (never a reason text or a user value). */
export type ProviderCallOutcome = 'ok' | 'declined' | 'unavailable' | 'error';

/** Records provider calls, by provider name. */
export interface ProviderCallMetrics {
  /** One call of `operation` to `provider` ended with `outcome` after `seconds`. */
  observe(
    provider: string,
    operation: ProviderOperation,
    outcome: ProviderCallOutcome,
    seconds: number,
  ): void;
}

/**
 * Registers `payment_provider_calls_total{provider,operation,outcome}` and
 * `payment_provider_call_duration_seconds{provider,operation}` on the service's registry: which card
 * provider is being called, how often it fails and how slow it is (what a failover decision looks at).
 */
export function createProviderCallMetrics(metrics: ServiceMetrics): ProviderCallMetrics {
  const calls = counterOn(metrics.registry, {
    name: 'payment_provider_calls_total',
    help:
      'Calls to a card provider by provider (primary, secondary), operation (authorize, capture, void, ' +
      'refund) and outcome: ok, declined (an authorization the provider refused), unavailable (a transient ' +
      'failure: nothing happened), error (anything else). Idempotent replays call no provider.',
    labelNames: ['provider', 'operation', 'outcome'] as const,
  });
  const durations = histogramOn(metrics.registry, {
    name: 'payment_provider_call_duration_seconds',
    help: 'Duration of calls to a card provider, failed ones included, by provider and operation.',
    labelNames: ['provider', 'operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  return {
    observe(provider, operation, outcome, seconds) {
      calls.inc({ provider, operation, outcome });
      durations.observe({ provider, operation }, seconds);
    },
  };
}

function outcomeOfError(error: unknown): ProviderCallOutcome {
  return error instanceof ProviderUnavailableError ? 'unavailable' : 'error';
}

/** The `peer.service` of a provider's calls: the trace graph's node for it (`payment-provider-primary`). */
export const providerPeerOf = (name: string): string => `payment-provider-${name}`;

/**
 * `provider` with every call recorded under `name`, and traced: a CLIENT span per call to the provider
 * ({@link providerPeerOf}), so a slow or failing provider is a dependency of payments in the trace graph,
 * not payments failing. Measures with a monotonic timer (`performance.now` by default): a duration for a
 * metric, not a decision, so no clock needs injecting for tests of logic.
 */
export function instrumentProvider(
  name: string,
  provider: CardProvider,
  metrics: ProviderCallMetrics,
  now: () => number = () => performance.now(),
): CardProvider {
  async function timed<T>(
    operation: ProviderOperation,
    call: () => Promise<T>,
    outcomeOf: (answer: T) => ProviderCallOutcome,
  ): Promise<T> {
    const started = now();
    try {
      const answer = await traceDependencyCall(providerPeerOf(name), operation, call);
      metrics.observe(name, operation, outcomeOf(answer), (now() - started) / 1000);
      return answer;
    } catch (error) {
      metrics.observe(name, operation, outcomeOfError(error), (now() - started) / 1000);
      throw error;
    }
  }
  const ok = () => 'ok' as const;
  return {
    authorize: (request) =>
      timed(
        'authorize',
        () => provider.authorize(request),
        (answer) => (answer.outcome === 'declined' ? 'declined' : 'ok'),
      ),
    capture: (request) => timed('capture', () => provider.capture(request), ok),
    void: (request) => timed('void', () => provider.void(request), ok),
    refund: (request) => timed('refund', () => provider.refund(request), ok),
  };
}
