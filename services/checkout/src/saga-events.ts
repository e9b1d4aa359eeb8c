import type { EventEnvelope } from '@opsloop/bus';
import { parseShopEventData, type ShopEventData, type ShopEventType } from '@opsloop/contracts';
import { derivedUuid } from './ids.js';
import type { FailureReason } from './saga-machine.js';
import type { SagaRecord } from './saga-repository.js';

/**
 * One event of `type` about the saga's order (key: the order id, so consumers see an order's events in
 * order). The id is derived from the saga id and the type: the saga writes each event once, in the
 * transaction that finishes it, and a derived id makes any second attempt a unique violation.
 */
function event<T extends ShopEventType>(
  type: T,
  saga: SagaRecord,
  data: ShopEventData<T>,
  now: number,
): EventEnvelope<ShopEventData<T>> {
  return {
    id: derivedUuid(`${saga.id}:event:${type}`),
    type,
    key: saga.orderId,
    time: new Date(now).toISOString(),
    // Validated against the contract here, so a bad event fails the saga's transaction, not a consumer.
    data: parseShopEventData(type, data),
  };
}

/** `order.placed.v1` (stream `orders`): the checkout completed — paid, stock committed. */
export function placedEvent(saga: SagaRecord, now: number): EventEnvelope {
  return event(
    'order.placed.v1',
    saga,
    {
      orderId: saga.orderId,
      userId: saga.userId,
      lines: saga.lines,
      total: { amountMinor: saga.totalMinor, currency: saga.currency },
      paymentId: saga.paymentId ?? '',
    },
    now,
  );
}

const CANCEL_REASONS: Record<FailureReason, ShopEventData<'order.cancelled.v1'>['reason']> = {
  'out-of-stock': 'out-of-stock',
  'payment-declined': 'payment-declined',
  'payment-error': 'payment-error',
  unavailable: 'timeout',
  'reservation-expired': 'timeout',
  internal: 'internal',
};

/** `order.cancelled.v1` (stream `orders`): the checkout was compensated. */
export function cancelledEvent(saga: SagaRecord, now: number): EventEnvelope {
  return event(
    'order.cancelled.v1',
    saga,
    {
      orderId: saga.orderId,
      userId: saga.userId,
      reason: CANCEL_REASONS[saga.failure?.reason ?? 'internal'],
    },
    now,
  );
}

/** `payment.failed.v1` (stream `payments`) when the saga failed on a decline or a refused capture. */
export function paymentFailedEvent(saga: SagaRecord, now: number): EventEnvelope | undefined {
  const reason = saga.failure?.reason;
  if (reason !== 'payment-declined' && reason !== 'payment-error') return undefined;
  const declineReason = saga.failureDetail?.declineReason;
  return event(
    'payment.failed.v1',
    saga,
    {
      orderId: saga.orderId,
      userId: saga.userId,
      amount: { amountMinor: saga.totalMinor, currency: saga.currency },
      reason: (typeof declineReason === 'string' && declineReason !== '' ? declineReason : reason).slice(
        0,
        200,
      ),
    },
    now,
  );
}
