import { counterOn, type ServiceMetrics } from '@opsloop/kit';
import type { ConflictReason, PaymentResult } from './payments.js';
import { ProviderUnavailableError } from './provider.js';
import type { PaymentOperation } from './tables.js';

/** Outcomes of a payment operation: a closed set (never an id, a reason text or a user value). */
export type PaymentOutcome =
  | 'authorized'
  | 'declined'
  | 'captured'
  | 'voided'
  | 'refunded'
  | 'duplicate'
  | 'failed'
  | 'error'
  | 'key_reused'
  | 'in_progress'
  | 'invalid_transition'
  | 'not_found';

/**
 * Currencies that get their own `currency` label value; any other one is `other`. The domain accepts any
 * three capitals, so the label must not take the caller's value as is (up to 17,576 series per outcome).
 */
export const METRIC_CURRENCIES: ReadonlySet<string> = new Set([
  'EUR',
  'USD',
  'GBP',
  'CHF',
  'SEK',
  'DKK',
  'NOK',
  'PLN',
  'CZK',
  'JPY',
  'CAD',
  'AUD',
]);

/** What the payments domain reports once an operation has ended (its effect committed, or nothing done). */
export interface PaymentMetrics {
  /** An operation answered (`replayed` answers count as `duplicate`, never as a new effect). */
  answered(operation: PaymentOperation, result: PaymentResult): void;
  /** An operation threw: the provider was unavailable (`failed`) or something else broke (`error`). */
  threw(operation: PaymentOperation, error: unknown): void;
}

const CONFLICT_OUTCOMES: Record<ConflictReason, PaymentOutcome> = {
  'idempotency-key-reused': 'key_reused',
  'idempotency-key-in-progress': 'in_progress',
  'invalid-transition': 'invalid_transition',
};

/** The label value of a result. */
export function outcomeOf(result: PaymentResult): PaymentOutcome {
  switch (result.outcome) {
    case 'ok':
      return result.replayed ? 'duplicate' : result.payment.status;
    case 'conflict':
      return CONFLICT_OUTCOMES[result.reason];
    case 'not-found':
      return 'not_found';
  }
}

/** Registers the payments' business metrics on the service's registry. */
export function createPaymentMetrics(metrics: ServiceMetrics): PaymentMetrics {
  const operations = counterOn(metrics.registry, {
    name: 'payments_total',
    help:
      'Payment operations (authorize, capture, void, refund) by outcome, counted once when the operation ' +
      'ends: authorized, declined, captured, voided, refunded (the change is committed); duplicate (an ' +
      'idempotent replay answered from the stored answer: no new effect); failed (the card provider was ' +
      'unavailable: nothing changed); error (an unexpected failure: nothing changed); key_reused, ' +
      'in_progress, invalid_transition, not_found (refused: nothing changed).',
    labelNames: ['operation', 'outcome'] as const,
  });
  const amounts = counterOn(metrics.registry, {
    name: 'payment_amount_minor_units_total',
    help:
      'Sum of the amounts of committed payment changes, in minor units of the currency (cents for EUR), ' +
      'by currency (a fixed list of common ISO 4217 codes, any other one is `other`: never sum across ' +
      'currencies) and outcome (authorized, declined, captured, voided, refunded). Idempotent replays ' +
      'add nothing.',
    labelNames: ['currency', 'outcome'] as const,
  });
  return {
    answered(operation, result) {
      const outcome = outcomeOf(result);
      operations.inc({ operation, outcome });
      if (result.outcome === 'ok' && !result.replayed) {
        const { amountMinor, currency } = result.payment.amount;
        amounts.inc({ currency: METRIC_CURRENCIES.has(currency) ? currency : 'other', outcome }, amountMinor);
      }
    },
    threw(operation, error) {
      operations.inc({ operation, outcome: error instanceof ProviderUnavailableError ? 'failed' : 'error' });
    },
  };
}
