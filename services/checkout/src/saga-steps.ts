import { sagaIds } from './ids.js';
import { ParticipantRejectedError, ParticipantUnavailableError, type Participants } from './participants.js';
import type { StepOutcome } from './saga-machine.js';
import type { SagaRecord } from './saga-repository.js';

/** What executing a step produced: the outcome for the machine and the facts to persist with it. */
export interface StepResult {
  outcome: StepOutcome;
  /** Learned from the participant. */
  paymentId?: string;
  reservationExpiresAt?: Date;
  /** Details of a failure, for the answer (shortages, decline reason). */
  failureDetail?: Record<string, unknown>;
  /** What went wrong (participant, operation, code, message) — for the saga row and the log. */
  error?: string;
  /** A compensation that found nothing to undo, or an answer the saga could not expect (logged as a warning). */
  note?: string;
}

/** Settings the steps need. */
export interface StepSettings {
  reservationTtlSeconds: number;
  /** Do not capture when the reservation expires within this margin (the stock could be gone by commit). */
  expiryMarginMs: number;
  now: () => number;
  /**
   * The deadline of the forward authorization of `saga` (the `checkout-payment-timeout-ms` flag), or
   * undefined for the participant's configured one. Not used by the void's replay of the key: a
   * compensation must not be held hostage by the setting that made the forward step fail.
   */
  authorizeTimeoutMs?: (saga: SagaRecord) => Promise<number | undefined>;
}

const done = (extra: Omit<StepResult, 'outcome'> = {}): StepResult => ({
  outcome: { kind: 'done' },
  ...extra,
});

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function cancelReason(saga: SagaRecord): string {
  return `checkout ${saga.id}: ${saga.failure?.reason ?? 'compensated'}`;
}

/**
 * Runs one step of `saga` against its participants. Participant failures become outcomes: unavailable →
 * transient (the step is redone), rejected → a definitive failure (`internal`) for forward steps, "nothing to
 * undo" for compensations (logged). Anything unexpected is transient: the step is redone later rather than
 * the saga being given up on a bug.
 */
export async function executeStep(
  saga: SagaRecord,
  participants: Participants,
  settings: StepSettings,
): Promise<StepResult> {
  try {
    return await run(saga, participants, settings);
  } catch (error) {
    if (error instanceof ParticipantUnavailableError)
      return { outcome: { kind: 'transient' }, error: describe(error) };
    if (error instanceof ParticipantRejectedError) {
      if (saga.state === 'compensating') {
        return done({ note: `nothing to undo: ${describe(error)}`, error: describe(error) });
      }
      return { outcome: { kind: 'failed', reason: 'internal' }, error: describe(error) };
    }
    return { outcome: { kind: 'transient' }, error: describe(error) };
  }
}

async function run(
  saga: SagaRecord,
  participants: Participants,
  settings: StepSettings,
): Promise<StepResult> {
  const ids = sagaIds(saga.id);
  const { inventory, orders, payments, cart } = participants;
  const amount = { amountMinor: saga.totalMinor, currency: saga.currency };

  switch (saga.step) {
    case 'reserve': {
      const result = await inventory.reserve({
        reservationId: saga.reservationId,
        lines: saga.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        ttlSeconds: settings.reservationTtlSeconds,
      });
      if (result.outcome === 'out-of-stock') {
        return {
          outcome: { kind: 'failed', reason: 'out-of-stock' },
          failureDetail: { shortages: result.shortages },
        };
      }
      if (result.state === 'expired' || result.state === 'released') {
        return {
          outcome: { kind: 'failed', reason: 'reservation-expired' },
          error: `reservation ${result.state}`,
        };
      }
      return done({ reservationExpiresAt: new Date(result.expiresAtMs) });
    }

    case 'create-order':
      await orders.create({ orderId: saga.orderId, userId: saga.userId, lines: saga.lines });
      return done();

    case 'authorize': {
      const timeoutMs = await settings.authorizeTimeoutMs?.(saga);
      const payment = await payments.authorize({
        idempotencyKey: ids.authorizeKey,
        orderId: saga.orderId,
        amount,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      if (payment.status === 'declined') {
        return {
          outcome: { kind: 'failed', reason: 'payment-declined' },
          paymentId: payment.paymentId,
          failureDetail: { declineReason: payment.declineReason || 'declined' },
        };
      }
      return done({ paymentId: payment.paymentId });
    }

    case 'confirm-order': {
      const result = await orders.transition({ orderId: saga.orderId, to: 'confirmed' });
      if (result.outcome === 'ok') return done();
      return {
        outcome: { kind: 'failed', reason: 'internal' },
        error: result.outcome === 'conflict' ? `order is ${result.state}` : 'order not found',
      };
    }

    case 'capture': {
      if (saga.paymentId === null) {
        return { outcome: { kind: 'failed', reason: 'internal' }, error: 'no payment id to capture' };
      }
      const expiresAt = saga.reservationExpiresAt?.getTime();
      if (expiresAt !== undefined && expiresAt - settings.now() < settings.expiryMarginMs) {
        // Capturing now could leave a charge with no stock to commit: give up while it is still cheap.
        const current = await payments.get(saga.paymentId);
        if (current?.status !== 'captured') {
          return {
            outcome: { kind: 'failed', reason: 'reservation-expired' },
            error: 'the reservation expires before the saga could commit it',
          };
        }
        return done();
      }
      const result = await payments.capture({ idempotencyKey: ids.captureKey, paymentId: saga.paymentId });
      if (result.outcome === 'ok' && result.payment.status === 'captured') return done();
      // Refused: unless it was captured after all (a race with another runner), it never will be.
      const current = await payments.get(saga.paymentId);
      if (current?.status === 'captured') return done();
      return {
        outcome: { kind: 'failed', reason: 'payment-error' },
        error: `capture refused (${current?.status ?? 'payment not found'})`,
      };
    }

    case 'commit-reservation': {
      const result = await inventory.commit(saga.reservationId);
      if (result.outcome === 'committed') return done();
      return {
        outcome: { kind: 'failed', reason: 'reservation-expired' },
        error: `reservation ${result.state} at commit`,
      };
    }

    case 'mark-paid': {
      const result = await orders.transition({ orderId: saga.orderId, to: 'paid' });
      if (result.outcome === 'ok') return done();
      // Forward only: the machine parks it; an operator must look (the error says why).
      return {
        outcome: { kind: 'failed', reason: 'internal' },
        error:
          result.outcome === 'conflict' ? `order is ${result.state}, cannot become paid` : 'order not found',
      };
    }

    case 'clear-cart':
      await cart.clear(saga.userId, saga.cartVersion ?? 0);
      return done();

    case 'void-payment': {
      let paymentId = saga.paymentId;
      if (paymentId === null) {
        // The authorization may exist without its answer having been persisted (a crash, a lost answer):
        // the same key replays it (or makes it now, to be voided at once) and tells its id. Under the
        // configured deadline, not the flag's: a deadline too short is often why the forward step failed.
        const payment = await payments.authorize({
          idempotencyKey: ids.authorizeKey,
          orderId: saga.orderId,
          amount,
        });
        if (payment.status === 'declined')
          return done({ paymentId: payment.paymentId, note: 'declined: nothing to void' });
        paymentId = payment.paymentId;
      }
      const result = await payments.void({ idempotencyKey: ids.voidKey, paymentId });
      if (result.outcome === 'ok') return done({ paymentId });
      if (result.outcome === 'not-found')
        return done({ paymentId, note: 'payment not found: nothing to void' });
      if (result.status === 'captured' || result.status === 'refunded') {
        // Cannot happen before the pivot; say so loudly rather than refund behind the saga's back.
        return done({ paymentId, note: `void refused: the payment is ${result.status}` });
      }
      return done({ paymentId, note: `nothing to void: the payment is ${result.status}` });
    }

    case 'refund-payment': {
      if (saga.paymentId === null) return done({ note: 'no payment id: nothing to refund' });
      const result = await payments.refund({ idempotencyKey: ids.refundKey, paymentId: saga.paymentId });
      if (result.outcome === 'ok') return done();
      if (result.outcome === 'not-found') return done({ note: 'payment not found: nothing to refund' });
      if (result.status === 'authorized') {
        // Never captured after all: void it instead.
        const voided = await payments.void({ idempotencyKey: ids.voidKey, paymentId: saga.paymentId });
        return voided.outcome === 'ok' ? done() : done({ note: 'refund and void refused' });
      }
      return done({ note: `nothing to refund: the payment is ${result.status}` });
    }

    case 'release-reservation': {
      const result = await inventory.release(saga.reservationId);
      if (result.outcome === 'released') return done();
      if (result.outcome === 'not-found') return done({ note: 'reservation not found: nothing to release' });
      return done({ note: 'release refused: the reservation is committed' });
    }

    case 'cancel-order': {
      const reason = cancelReason(saga);
      let result = await orders.transition({ orderId: saga.orderId, to: 'cancelled', reason });
      if (result.outcome === 'not-found') {
        // A CreateOrder still in flight (sent by a process that died) could land after this: create the order
        // here (same id, same lines: a late original is then a harmless replay) and cancel it.
        await orders.create({ orderId: saga.orderId, userId: saga.userId, lines: saga.lines });
        result = await orders.transition({ orderId: saga.orderId, to: 'cancelled', reason });
      }
      if (result.outcome === 'ok') return done();
      return done({
        note: `cancel refused: the order is ${result.outcome === 'conflict' ? result.state : 'missing'}`,
      });
    }

    case 'complete':
    case 'compensate':
      // Local: the runner writes the final state and the events in one transaction.
      return done();
  }
}
