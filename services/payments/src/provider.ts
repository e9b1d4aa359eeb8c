import { createSeededRandom, FAULT_POINTS, faultPoint, isFaultInjectedError } from '@opsloop/kit';
import { randomUUID } from 'node:crypto';

/** Largest simulated latency of one provider call (one minute). */
export const MAX_PROVIDER_LATENCY_MS = 60_000;

/** The run-time settings of the simulated provider: its fault knobs. */
export interface ProviderSettings {
  /** How long every call takes, in milliseconds (0–60000). */
  latencyMs: number;
  /** Probability (0–1) that a call fails with a {@link ProviderUnavailableError}. */
  failureRate: number;
  /** Probability (0–1) that an authorization that did not fail is declined. */
  declineRate: number;
}

/** An amount of money in integer minor units (cents) of an ISO 4217 currency. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** What the provider answered to an authorization. */
export type ProviderAuthorization =
  { outcome: 'authorized'; reference: string } | { outcome: 'declined'; reason: string };

/** A request about an existing authorization (capture, void, refund). */
export interface ProviderPaymentRequest {
  idempotencyKey: string;
  reference: string;
  amount: Money;
}

/** How many calls of each kind the provider received (failed ones included). */
export interface ProviderCallCounts {
  authorize: number;
  capture: number;
  void: number;
  refund: number;
}

/** The card provider port. Every method may reject with a {@link ProviderUnavailableError} (transient). */
export interface CardProvider {
  authorize(request: { idempotencyKey: string; amount: Money }): Promise<ProviderAuthorization>;
  capture(request: ProviderPaymentRequest): Promise<void>;
  void(request: ProviderPaymentRequest): Promise<void>;
  refund(request: ProviderPaymentRequest): Promise<void>;
}

/** The simulated provider: a {@link CardProvider} whose latency and fault rates are settable at run time. */
export interface SimulatedProvider extends CardProvider {
  /** The current settings. */
  settings(): ProviderSettings;
  /** Changes some settings (validated); resolves to the new ones. */
  configure(settings: Partial<ProviderSettings>): ProviderSettings;
  /** The calls received so far. */
  calls(): ProviderCallCounts;
}

/** Options of {@link createSimulatedProvider}. */
export interface SimulatedProviderOptions extends Partial<ProviderSettings> {
  /** A uniform random number in [0, 1) (`Math.random` by default); tests inject a deterministic one. */
  random?: () => number;
  /**
   * The fault point of this provider's calls (see the kit's `faultPoint`): `payment-provider` by default;
   * a second instance names its own (`payment-provider:secondary`) so each can be faulted alone.
   */
  faultPoint?: string;
}

const POINT_NAME = /^[A-Za-z0-9._:-]{1,128}$/;

/** A transient provider failure: nothing happened at the provider, so retrying may succeed. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

/** Raised for provider settings out of range. */
export class InvalidProviderSettings extends RangeError {
  override readonly name = 'InvalidProviderSettings';
}

/** A deterministic random source for tests and reproducible fault runs (the kit's). */
export { createSeededRandom };

function checkSettings(settings: ProviderSettings): ProviderSettings {
  const { latencyMs, failureRate, declineRate } = settings;
  if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > MAX_PROVIDER_LATENCY_MS)
    throw new InvalidProviderSettings(`latencyMs must be an integer from 0 to ${MAX_PROVIDER_LATENCY_MS}`);
  for (const [name, rate] of [
    ['failureRate', failureRate],
    ['declineRate', declineRate],
  ] as const)
    if (!Number.isFinite(rate) || rate < 0 || rate > 1)
      throw new InvalidProviderSettings(`${name} must be a number from 0 to 1`);
  return { latencyMs, failureRate, declineRate };
}

const sleep = (ms: number) =>
  ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates the simulated card provider (no latency, no failures, no declines unless configured). */
export function createSimulatedProvider(options: SimulatedProviderOptions = {}): SimulatedProvider {
  const random = options.random ?? Math.random;
  const point = options.faultPoint ?? FAULT_POINTS.paymentProvider;
  if (!POINT_NAME.test(point))
    throw new InvalidProviderSettings('faultPoint must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  let current = checkSettings({
    latencyMs: options.latencyMs ?? 0,
    failureRate: options.failureRate ?? 0,
    declineRate: options.declineRate ?? 0,
  });
  const counts: ProviderCallCounts = { authorize: 0, capture: 0, void: 0, refund: 0 };

  /**
   * Counts the call, suffers the injected fault (an injected failure is the provider being unavailable),
   * waits the latency, then fails with probability `failureRate`.
   */
  async function call(kind: keyof ProviderCallCounts): Promise<void> {
    counts[kind]++;
    const fault = faultPoint(point);
    if (fault !== undefined) {
      try {
        await fault;
      } catch (error) {
        if (!isFaultInjectedError(error)) throw error;
        throw new ProviderUnavailableError(`card provider unavailable (${kind})`, { cause: error });
      }
    }
    const { latencyMs, failureRate } = current;
    await sleep(latencyMs);
    if (random() < failureRate) throw new ProviderUnavailableError(`card provider unavailable (${kind})`);
  }

  return {
    async authorize() {
      await call('authorize');
      if (random() < current.declineRate) return { outcome: 'declined', reason: 'card declined' };
      return { outcome: 'authorized', reference: `sim_${randomUUID()}` };
    },
    capture: () => call('capture'),
    void: () => call('void'),
    refund: () => call('refund'),
    settings: () => ({ ...current }),
    configure(settings) {
      current = checkSettings({ ...current, ...settings });
      return { ...current };
    },
    calls: () => ({ ...counts }),
  };
}
