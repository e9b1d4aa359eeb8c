/**
 * The participants port: what the saga needs from inventory, orders, payments and the cart, in the saga's
 * own terms. The composition root plugs in the gRPC adapter (`adapters/rpc-participants.ts`); tests plug in
 * fakes. Every mutating call is idempotent by the ids and keys the saga derives from its id.
 *
 * Answers that are part of the business (out of stock, declined, not found, a refused transition) are
 * results. Failures throw: {@link ParticipantUnavailableError} when nothing is known (unavailable, timed
 * out, connection lost: the call may be redone), {@link ParticipantRejectedError} when the participant
 * refused the request itself (invalid argument, an id reused with other content).
 */

/** Money in integer minor units. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** A product and a quantity. */
export interface Line {
  productId: string;
  quantity: number;
}

/** A priced line. */
export interface PricedLine extends Line {
  unitPrice: Money;
}

/** One product inventory could not hold. */
export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

/** The state of a reservation. */
export type ReservationState = 'held' | 'committed' | 'released' | 'expired';

/** Inventory, as the saga uses it. */
export interface InventoryParticipant {
  /** Holds stock for every line or none; idempotent by `reservationId`. */
  reserve(input: {
    reservationId: string;
    lines: readonly Line[];
    ttlSeconds: number;
  }): Promise<
    | { outcome: 'reserved'; state: ReservationState; expiresAtMs: number }
    | { outcome: 'out-of-stock'; shortages: Shortage[] }
  >;
  /** Makes a held reservation permanent. */
  commit(
    reservationId: string,
  ): Promise<{ outcome: 'committed' } | { outcome: 'not-held'; state: ReservationState | 'not-found' }>;
  /** Returns a held (or expired) reservation's stock. */
  release(
    reservationId: string,
  ): Promise<{ outcome: 'released' } | { outcome: 'not-found' } | { outcome: 'committed' }>;
}

/** The states of an order. */
export type OrderState = 'pending' | 'confirmed' | 'paid' | 'fulfilled' | 'cancelled' | 'failed';

/** Orders, as the saga uses it. */
export interface OrdersParticipant {
  /** Creates the order `pending`; idempotent by `orderId` (same content: the order as it is now). */
  create(input: {
    orderId: string;
    userId: string;
    lines: readonly PricedLine[];
  }): Promise<{ state: OrderState }>;
  /** Moves the order; re-applying its current state is a no-op. */
  transition(input: { orderId: string; to: 'confirmed' | 'paid' | 'cancelled'; reason?: string }): Promise<
    | { outcome: 'ok'; state: OrderState }
    | { outcome: 'not-found' }
    /** The order's state forbids the transition. */
    | { outcome: 'conflict'; state: OrderState | 'unknown' }
  >;
}

/** The states of a payment. */
export type PaymentStatus = 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded';

/** A payment as the saga sees it. */
export interface PaymentView {
  paymentId: string;
  status: PaymentStatus;
  declineReason: string;
}

/** Payments, as the saga uses it. Every operation is idempotent by its key. */
export interface PaymentsParticipant {
  /**
   * Authorizes `amount`; a decline is an answer (`status: 'declined'`). `timeoutMs` is this call's deadline
   * (the adapter's configured one when absent); past it the outcome is unknown
   * ({@link ParticipantUnavailableError}) and the authorization may exist: the saga replays the key to learn.
   */
  authorize(input: {
    idempotencyKey: string;
    orderId: string;
    amount: Money;
    timeoutMs?: number;
  }): Promise<PaymentView>;
  /** Captures, voids or refunds; `refused` when the payment's status forbids it (its status is then given). */
  capture(input: { idempotencyKey: string; paymentId: string }): Promise<PaymentOperationResult>;
  void(input: { idempotencyKey: string; paymentId: string }): Promise<PaymentOperationResult>;
  refund(input: { idempotencyKey: string; paymentId: string }): Promise<PaymentOperationResult>;
  /** The payment as it is now, or undefined. */
  get(paymentId: string): Promise<PaymentView | undefined>;
}

/** What a capture, void or refund did. */
export type PaymentOperationResult =
  | { outcome: 'ok'; payment: PaymentView }
  | { outcome: 'refused'; status: PaymentStatus | 'unknown' }
  | { outcome: 'not-found' };

/** A cart or a set of lines, priced by the cart service. */
export interface PricedCart {
  lines: PricedLine[];
  subtotal: Money;
  discountPercent: number;
  discount: Money;
  total: Money;
  /** The cart's version (0 for priced lines that are not a cart). */
  version: number;
}

/** The cart service, as checkout uses it (pricing, and clearing a checked-out cart). */
export interface CartParticipant {
  /** The user's cart, priced now (loyalty discount applied). */
  get(userId: string): Promise<PricedCart>;
  /** Prices `lines` as the cart would, without storing them. */
  price(userId: string, lines: readonly Line[]): Promise<PricedCart>;
  /** Empties the cart if it is still at `ifVersion`. */
  clear(userId: string, ifVersion: number): Promise<void>;
}

/** Every participant of the saga. */
export interface Participants {
  inventory: InventoryParticipant;
  orders: OrdersParticipant;
  payments: PaymentsParticipant;
  cart: CartParticipant;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Common shape of participant failures. */
abstract class ParticipantError extends Error {
  /** `inventory`, `orders`, `payments` or `cart`. */
  readonly participant: string;
  /** The operation, e.g. `Reserve`. */
  readonly operation: string;
  /** The status code the call ended with (`UNAVAILABLE`, `INVALID_ARGUMENT` …). */
  readonly code: string;
  /** The participant's own message (safe to show: our services never put secrets in error messages). */
  readonly reason: string;
  constructor(participant: string, operation: string, code: string, reason: string, cause?: unknown) {
    super(`${participant}.${operation}: ${code}: ${reason}`, { cause });
    this.participant = participant;
    this.operation = operation;
    this.code = code;
    this.reason = reason;
  }
}

/** The call's outcome is unknown (unavailable, deadline, connection lost, circuit open): it may be redone. */
export class ParticipantUnavailableError extends ParticipantError {
  override readonly name = 'ParticipantUnavailableError';
}

/** The participant refused the request itself; redoing it unchanged fails again. */
export class ParticipantRejectedError extends ParticipantError {
  override readonly name = 'ParticipantRejectedError';
}
