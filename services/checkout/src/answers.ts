import { ProblemError } from '@opsloop/kit';
import type { SagaAnswer, SagaRecord } from './saga-repository.js';
import type { SagaFailure } from './saga-machine.js';

/** Seconds a client should wait before retrying a retryable failure (the `retry-after` of a 503). */
export const RETRY_AFTER_SECONDS = 2;

/** The path of a saga's resource. */
export function sagaPath(sagaId: string): string {
  return `/api/checkout/${sagaId}`;
}

function money(amountMinor: number, currency: string) {
  return { amountMinor, currency };
}

/** The 201 answer of a completed saga. Built from fields that never change, so every replay is identical. */
export function completedAnswer(saga: SagaRecord): SagaAnswer {
  return {
    status: 201,
    body: {
      checkoutId: saga.id,
      orderId: saga.orderId,
      paymentId: saga.paymentId,
      state: 'completed',
      source: saga.source,
      lines: saga.lines,
      subtotal: money(saga.subtotalMinor, saga.currency),
      discount: money(saga.discountMinor, saga.currency),
      total: money(saga.totalMinor, saga.currency),
      createdAt: saga.createdAt.toISOString(),
    },
  };
}

/**
 * The problem answer of a saga that failed with `failure` (decided when compensation starts; compensation
 * then runs to its end whatever the client does).
 */
export function failureAnswer(
  saga: SagaRecord,
  failure: SagaFailure,
  detail: Record<string, unknown> | null,
): SagaAnswer {
  const base = { checkoutId: saga.id, orderId: saga.orderId, reason: failure.reason };
  let problem: ProblemError;
  switch (failure.reason) {
    case 'out-of-stock':
      problem = new ProblemError('outOfStock', {
        detail: 'there is not enough stock for every line; nothing was reserved or charged',
        extensions: { ...base, shortages: detail?.shortages ?? [] },
      });
      break;
    case 'payment-declined':
      problem = new ProblemError('paymentDeclined', {
        detail: 'the card was declined; nothing was charged',
        extensions: { ...base, declineReason: detail?.declineReason ?? 'declined' },
      });
      break;
    case 'payment-error':
      problem = new ProblemError('paymentDeclined', {
        detail: 'the payment could not be captured; the authorization was voided',
        extensions: base,
      });
      break;
    case 'unavailable':
      problem = new ProblemError('serviceUnavailable', {
        detail: `a service the checkout needs did not answer (${failure.step}); nothing was charged. Retry with the same Idempotency-Key`,
        extensions: base,
      });
      break;
    case 'reservation-expired':
      problem = new ProblemError('serviceUnavailable', {
        detail:
          'the checkout took longer than its stock reservation lasts; any payment was voided or refunded. Retry with the same Idempotency-Key',
        extensions: base,
      });
      break;
    case 'internal':
      problem = new ProblemError('internalError', {
        detail: `the checkout failed (${failure.step}); nothing was charged`,
        extensions: base,
      });
      break;
  }
  return { status: problem.status, body: { ...problem.toDocument(sagaPath(saga.id)) } };
}

/** Headers that go with a stored answer (the same on every replay). */
export function answerHeaders(saga: SagaRecord, answer: SagaAnswer): Record<string, string> {
  if (answer.status === 201) return { location: sagaPath(saga.id) };
  if (answer.status === 503) return { 'retry-after': String(RETRY_AFTER_SECONDS) };
  return {};
}
