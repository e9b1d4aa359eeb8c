import { createHash, randomUUID } from 'node:crypto';
import { systemClock, ProblemError, traceHeaders, type Clock, type Logger } from '@opsloop/kit';
import { answerHeaders, RETRY_AFTER_SECONDS, sagaPath } from './answers.js';
import { sagaIds, uuidv7 } from './ids.js';
import {
  ParticipantRejectedError,
  ParticipantUnavailableError,
  type CartParticipant,
  type Line,
  type PricedCart,
} from './participants.js';
import { FIRST_STEP, RETRYABLE_FAILURES } from './saga-machine.js';
import type { Bulkhead } from './bulkhead.js';
import type { SagaNotifier } from './saga-notifier.js';
import type { SagaRecord, SagaRepository } from './saga-repository.js';
import type { SagaRunner } from './saga-runner.js';

/** A checkout request, validated at the edge. */
export interface CheckoutRequest {
  userId: string;
  idempotencyKey: string;
  /** Explicit lines; absent: the user's cart. */
  lines: Line[] | undefined;
}

/** What the edge sends back. */
export interface CheckoutReply {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Options of {@link createCheckout}. */
export interface CheckoutOptions {
  repository: SagaRepository;
  runner: SagaRunner;
  cart: CartParticipant;
  notifier: SagaNotifier;
  /** Caps the checkouts being started at once (pricing and the saga's run while the request waits). */
  bulkhead: Bulkhead;
  log: Logger;
  /** The lease owner name of this replica. */
  instance: string;
  /** How long a request waits for its saga's answer before answering 202 (the saga carries on). */
  requestTimeoutMs: number;
  /** Poll period while waiting for a saga run elsewhere (another replica). */
  pollMs?: number;
  clock?: Clock;
}

/** The checkout use cases. */
export interface Checkout {
  /** Places a checkout, or replays the answer of the one the (user, key) pair already started. */
  place(request: CheckoutRequest): Promise<CheckoutReply>;
}

/** The canonical form of a request, hashed to tell "the same request" from "another request, same key". */
export function requestHash(lines: readonly Line[] | undefined): string {
  const canonical =
    lines === undefined
      ? { source: 'cart' }
      : {
          source: 'lines',
          lines: lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity })),
        };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The view of an unfinished saga a 202 carries. */
function pendingBody(saga: SagaRecord): Record<string, unknown> {
  return {
    checkoutId: saga.id,
    orderId: saga.orderId,
    state: saga.state,
    step: saga.step,
    detail: 'the checkout is still in progress; GET the Location, or retry with the same Idempotency-Key',
  };
}

function isRetryableAnswer(saga: SagaRecord): boolean {
  return saga.answer !== null && saga.failure !== null && RETRYABLE_FAILURES.has(saga.failure.reason);
}

/** Creates the checkout use cases over the saga store and runner. */
export function createCheckout(options: CheckoutOptions): Checkout {
  const { repository, runner, cart, notifier, bulkhead, log, instance, requestTimeoutMs } = options;
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 200;

  async function price(request: CheckoutRequest): Promise<PricedCart> {
    try {
      const priced =
        request.lines === undefined
          ? await cart.get(request.userId)
          : await cart.price(request.userId, request.lines);
      if (priced.lines.length === 0) {
        throw new ProblemError('conflict', { detail: 'the cart is empty: there is nothing to check out' });
      }
      if (priced.total.amountMinor <= 0) {
        throw new ProblemError('conflict', { detail: 'the total is zero: there is nothing to pay' });
      }
      return priced;
    } catch (error) {
      if (error instanceof ParticipantUnavailableError) {
        throw new ProblemError('serviceUnavailable', {
          detail:
            'pricing is unavailable; nothing was reserved or charged. Retry with the same Idempotency-Key',
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
          cause: error,
        });
      }
      if (error instanceof ParticipantRejectedError) {
        throw new ProblemError('validationFailed', {
          detail: `the lines could not be priced: ${error.reason}`,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Waits (bounded by `deadline`) until the saga has an answer; returns the saga as last seen. `started` is
   * the saga as this request just inserted it (its run began synchronously before this call).
   */
  async function waitForAnswer(sagaId: string, deadline: number, started?: SagaRecord): Promise<SagaRecord> {
    // A saga this process runs announces every change; one run elsewhere (another replica) is polled.
    const listen = () => {
      const period = runner.isRunning(sagaId) ? Math.max(pollMs, 1_000) : pollMs;
      return notifier.next(sagaId, Math.max(0, Math.min(period, deadline - clock.now())));
    };
    // Listening starts before each read, so a change made during the read is not missed.
    let changed = listen();
    // A saga this request just started has no answer before its first step ends: no need to read it.
    let saga = started ?? (await repository.get(sagaId));
    for (;;) {
      if (saga === undefined) throw new Error(`saga ${sagaId} vanished`);
      if (saga.answer !== null || deadline - clock.now() <= 0) return saga;
      const seen = await changed;
      changed = listen();
      saga = seen ?? (await repository.get(sagaId));
    }
  }

  function reply(saga: SagaRecord, replayed: boolean): CheckoutReply {
    if (saga.answer === null) {
      return {
        status: 202,
        body: pendingBody(saga),
        headers: { location: sagaPath(saga.id), 'retry-after': '1' },
      };
    }
    return {
      status: saga.answer.status,
      body: saga.answer.body,
      headers: {
        ...answerHeaders(saga, saga.answer),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      },
    };
  }

  return {
    async place(request) {
      const deadline = clock.now() + requestTimeoutMs;
      const hash = requestHash(request.lines);
      let release: (() => void) | undefined;
      try {
        // A lost race for the key is followed by the winner's saga; three rounds bound a pathological churn.
        for (let round = 0; round < 3; round++) {
          const existing = await repository.findActive(request.userId, request.idempotencyKey);
          let supersedes: string | undefined;
          if (existing !== undefined) {
            if (existing.requestHash !== hash) {
              throw new ProblemError('conflict', {
                detail: 'this Idempotency-Key was used for another checkout request',
                extensions: { reason: 'idempotency-key-reused', checkoutId: existing.id },
              });
            }
            if (existing.answer === null) return reply(await waitForAnswer(existing.id, deadline), true);
            if (!isRetryableAnswer(existing)) return reply(existing, true);
            // The earlier attempt failed in a way worth retrying: this request starts a new saga for the key.
            supersedes = existing.id;
          }

          // Replays never queue; a new checkout waits for a place (bounded by the request's deadline).
          release ??= await bulkhead.acquire(deadline - clock.now());
          if (release === undefined) {
            throw new ProblemError('serviceUnavailable', {
              detail:
                'too many checkouts in progress; nothing was reserved or charged. Retry with the same Idempotency-Key',
              headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
            });
          }
          const priced = await price(request);
          const id = uuidv7(clock.now());
          const ids = sagaIds(id);
          const lease = { owner: instance, token: randomUUID() };
          const saga = await repository.insert(
            {
              id,
              userId: request.userId,
              idempotencyKey: request.idempotencyKey,
              requestHash: hash,
              source: request.lines === undefined ? 'cart' : 'lines',
              cartVersion: request.lines === undefined ? priced.version : null,
              lines: priced.lines.map(({ productId, quantity, unitPrice }) => ({
                productId,
                quantity,
                unitPrice,
              })),
              currency: priced.total.currency,
              subtotalMinor: priced.subtotal.amountMinor,
              discountMinor: priced.discount.amountMinor,
              totalMinor: priced.total.amountMinor,
              orderId: ids.orderId,
              reservationId: ids.reservationId,
              step: FIRST_STEP,
              traceparent: traceHeaders().traceparent ?? null,
            },
            lease,
            supersedes,
          );
          if (saga === undefined) continue;
          log.info(
            {
              saga_id: saga.id,
              source: saga.source,
              lines: saga.lines.length,
              total_minor: saga.totalMinor,
              currency: saga.currency,
              ...(supersedes === undefined ? {} : { supersedes }),
            },
            'saga started',
          );
          // The run goes on after the request gives up waiting: the saga's lease is this process's.
          void runner.run(saga, lease);
          return reply(await waitForAnswer(saga.id, deadline, saga), false);
        }
        throw new ProblemError('conflict', {
          detail: 'this Idempotency-Key is being claimed by a concurrent request; retry',
          extensions: { reason: 'idempotency-key-in-progress' },
          headers: { 'retry-after': '1' },
        });
      } finally {
        release?.();
      }
    },
  };
}
