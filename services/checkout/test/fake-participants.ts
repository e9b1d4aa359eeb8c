import { randomUUID } from 'node:crypto';
import {
  ParticipantRejectedError,
  ParticipantUnavailableError,
  type Line,
  type OrderState,
  type Participants,
  type PaymentStatus,
  type PaymentView,
  type PricedCart,
  type PricedLine,
  type ReservationState,
} from '../src/participants.js';

/** An operation of a fake participant, as failure rules name them. */
export type Operation =
  | 'inventory.reserve'
  | 'inventory.commit'
  | 'inventory.release'
  | 'orders.create'
  | 'orders.transition'
  | 'payments.authorize'
  | 'payments.capture'
  | 'payments.void'
  | 'payments.refund'
  | 'payments.get'
  | 'cart.get'
  | 'cart.price'
  | 'cart.clear';

/**
 * How an operation fails: `unavailable` before doing anything, `lost-answer` after doing it (the answer is
 * lost on the way back, as when a connection drops), `rejected` (INVALID_ARGUMENT).
 */
export type FailureMode = 'unavailable' | 'lost-answer' | 'rejected';

interface Rule {
  operation: Operation;
  mode: FailureMode;
  /** Remaining failures; Infinity for "until cleared". */
  times: number;
}

/** A reservation of the fake inventory. */
export interface FakeReservation {
  state: ReservationState;
  lines: Line[];
  expiresAtMs: number;
}

/** An order of the fake orders service. */
export interface FakeOrder {
  userId: string;
  state: OrderState;
  lines: PricedLine[];
  history: OrderState[];
}

/** A payment of the fake payments service. */
export interface FakePayment {
  orderId: string;
  amountMinor: number;
  status: PaymentStatus;
}

const ORDER_TRANSITIONS: Record<OrderState, readonly OrderState[]> = {
  pending: ['confirmed', 'cancelled', 'failed'],
  confirmed: ['paid', 'cancelled', 'failed'],
  paid: ['fulfilled'],
  fulfilled: [],
  cancelled: [],
  failed: [],
};

/** In-memory participants with the real services' idempotency semantics, failure injection and counters. */
export interface FakeShop {
  participants: Participants;
  stock: Map<string, { onHand: number; reserved: number }>;
  prices: Map<string, number>;
  carts: Map<string, { lines: Line[]; version: number }>;
  reservations: Map<string, FakeReservation>;
  orders: Map<string, FakeOrder>;
  payments: Map<string, FakePayment>;
  /** Provider-level effects, counted once per real effect (not per replay). */
  effects: { captures: number; authorizations: number; voids: number; refunds: number };
  /** Calls per operation, replays included. */
  calls: Map<Operation, number>;
  fail(operation: Operation, mode: FailureMode, times?: number): void;
  clearFailures(): void;
  /** The next authorizations are declined. */
  declineAuthorizations(on: boolean): void;
  /** The next captures are refused (the payment is voided underneath, as an expired authorization). */
  refuseCaptures(on: boolean): void;
  /** Reservations expire when committed (as if the saga were slower than the TTL). */
  expireOnCommit(on: boolean): void;
  /** Delay every call by `ms` (a slow provider). */
  setLatency(ms: number): void;
  /**
   * An authorization takes `ms`: one given a shorter deadline (`timeoutMs`) still happens, but its caller
   * gets DEADLINE_EXCEEDED (unavailable, outcome unknown), as over gRPC. 0 (the default) turns it off.
   */
  setAuthorizeTime(ms: number): void;
  /** The `timeoutMs` of every authorization call, in order (undefined: the adapter's default). */
  authorizeDeadlines: (number | undefined)[];
}

/** Creates a {@link FakeShop}; `now` drives reservation expiry. */
export function createFakeShop(now: () => number = Date.now): FakeShop {
  const stock = new Map<string, { onHand: number; reserved: number }>();
  const prices = new Map<string, number>();
  const carts = new Map<string, { lines: Line[]; version: number }>();
  const reservations = new Map<string, FakeReservation>();
  const orders = new Map<string, FakeOrder>();
  const payments = new Map<string, FakePayment>();
  const keys = new Map<string, { request: string; answer: PaymentView | 'refused' | 'not-found' }>();
  const effects = { captures: 0, authorizations: 0, voids: 0, refunds: 0 };
  const calls = new Map<Operation, number>();
  let rules: Rule[] = [];
  let decline = false;
  let refuseCapture = false;
  let expireCommit = false;
  let latencyMs = 0;
  let authorizeTimeMs = 0;
  const authorizeDeadlines: (number | undefined)[] = [];

  /** Runs `effect` under the failure rules of `operation`. */
  async function op<T>(operation: Operation, effect: () => T): Promise<T> {
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const [participant, name] = operation.split('.') as [string, string];
    const rule = rules.find((r) => r.operation === operation && r.times > 0);
    if (rule !== undefined) rule.times -= 1;
    if (rule?.mode === 'unavailable')
      throw new ParticipantUnavailableError(participant, name, 'UNAVAILABLE', 'injected');
    if (rule?.mode === 'rejected')
      throw new ParticipantRejectedError(participant, name, 'INVALID_ARGUMENT', 'injected');
    const result = effect();
    if (rule?.mode === 'lost-answer')
      throw new ParticipantUnavailableError(participant, name, 'UNAVAILABLE', 'injected: answer lost');
    return result;
  }

  function expire(id: string): FakeReservation | undefined {
    const reservation = reservations.get(id);
    if (reservation?.state === 'held' && reservation.expiresAtMs <= now()) {
      reservation.state = 'expired';
      for (const line of reservation.lines) {
        const s = stock.get(line.productId);
        if (s) s.reserved -= line.quantity;
      }
    }
    return reservation;
  }

  function view(paymentId: string): PaymentView {
    const payment = payments.get(paymentId);
    if (!payment) throw new Error('no payment');
    return {
      paymentId,
      status: payment.status,
      declineReason: payment.status === 'declined' ? 'insufficient-funds' : '',
    };
  }

  function paymentOp(
    kind: 'capture' | 'void' | 'refund',
    key: string,
    paymentId: string,
  ):
    | { outcome: 'ok'; payment: PaymentView }
    | { outcome: 'refused'; status: PaymentStatus | 'unknown' }
    | { outcome: 'not-found' } {
    const request = `${kind}:${paymentId}`;
    const stored = keys.get(key);
    if (stored !== undefined) {
      if (stored.request !== request)
        throw new ParticipantRejectedError('payments', kind, 'FAILED_PRECONDITION', 'key reused');
      if (stored.answer !== 'refused' && stored.answer !== 'not-found')
        return { outcome: 'ok', payment: stored.answer };
    }
    const payment = payments.get(paymentId);
    if (!payment) return { outcome: 'not-found' };
    if (kind === 'capture' && refuseCapture && payment.status === 'authorized') payment.status = 'voided';
    const from: PaymentStatus = kind === 'refund' ? 'captured' : 'authorized';
    const to: PaymentStatus = kind === 'capture' ? 'captured' : kind === 'void' ? 'voided' : 'refunded';
    if (payment.status !== from) return { outcome: 'refused', status: payment.status };
    payment.status = to;
    if (kind === 'capture') effects.captures++;
    if (kind === 'void') effects.voids++;
    if (kind === 'refund') effects.refunds++;
    const answer = view(paymentId);
    keys.set(key, { request, answer });
    return { outcome: 'ok', payment: answer };
  }

  function priced(lines: readonly Line[], discountPercent = 0, version = 0): PricedCart {
    const pricedLines = lines.map((line) => {
      const price = prices.get(line.productId);
      if (price === undefined)
        throw new ParticipantRejectedError(
          'cart',
          'PriceLines',
          'NOT_FOUND',
          `unknown product ${line.productId}`,
        );
      return {
        productId: line.productId,
        quantity: line.quantity,
        unitPrice: { amountMinor: price, currency: 'EUR' },
      };
    });
    const subtotal = pricedLines.reduce((sum, l) => sum + l.quantity * l.unitPrice.amountMinor, 0);
    const discount = Math.round((subtotal * discountPercent) / 100);
    return {
      lines: pricedLines,
      subtotal: { amountMinor: subtotal, currency: 'EUR' },
      discountPercent,
      discount: { amountMinor: discount, currency: 'EUR' },
      total: { amountMinor: subtotal - discount, currency: 'EUR' },
      version,
    };
  }

  const participants: Participants = {
    inventory: {
      reserve: (input) =>
        op('inventory.reserve', () => {
          const existing = expire(input.reservationId);
          if (existing)
            return { outcome: 'reserved' as const, state: existing.state, expiresAtMs: existing.expiresAtMs };
          const shortages = input.lines
            .map((line) => {
              const s = stock.get(line.productId) ?? { onHand: 0, reserved: 0 };
              return {
                productId: line.productId,
                requested: line.quantity,
                available: s.onHand - s.reserved,
              };
            })
            .filter((s) => s.available < s.requested);
          if (shortages.length > 0) return { outcome: 'out-of-stock' as const, shortages };
          for (const line of input.lines) {
            const s = stock.get(line.productId);
            if (s) s.reserved += line.quantity;
          }
          const reservation: FakeReservation = {
            state: 'held',
            lines: [...input.lines],
            expiresAtMs: now() + input.ttlSeconds * 1000,
          };
          reservations.set(input.reservationId, reservation);
          return {
            outcome: 'reserved' as const,
            state: 'held' as const,
            expiresAtMs: reservation.expiresAtMs,
          };
        }),
      commit: (id) =>
        op('inventory.commit', () => {
          const reservation = reservations.get(id);
          if (reservation?.state === 'held' && expireCommit) reservation.expiresAtMs = now() - 1;
          expire(id);
          if (!reservation) return { outcome: 'not-held' as const, state: 'not-found' as const };
          if (reservation.state === 'held') {
            reservation.state = 'committed';
            for (const line of reservation.lines) {
              const s = stock.get(line.productId);
              if (s) {
                s.reserved -= line.quantity;
                s.onHand -= line.quantity;
              }
            }
          }
          return reservation.state === 'committed'
            ? { outcome: 'committed' as const }
            : { outcome: 'not-held' as const, state: reservation.state };
        }),
      release: (id) =>
        op('inventory.release', () => {
          const reservation = expire(id);
          if (!reservation) return { outcome: 'not-found' as const };
          if (reservation.state === 'committed') return { outcome: 'committed' as const };
          if (reservation.state === 'held') {
            for (const line of reservation.lines) {
              const s = stock.get(line.productId);
              if (s) s.reserved -= line.quantity;
            }
          }
          reservation.state = 'released';
          return { outcome: 'released' as const };
        }),
    },
    orders: {
      create: (input) =>
        op('orders.create', () => {
          const existing = orders.get(input.orderId);
          if (existing) {
            if (JSON.stringify(existing.lines) !== JSON.stringify(input.lines))
              throw new ParticipantRejectedError(
                'orders',
                'CreateOrder',
                'FAILED_PRECONDITION',
                'other lines',
              );
            return { state: existing.state };
          }
          orders.set(input.orderId, {
            userId: input.userId,
            state: 'pending',
            lines: [...input.lines],
            history: ['pending'],
          });
          return { state: 'pending' as const };
        }),
      transition: (input) =>
        op('orders.transition', () => {
          const order = orders.get(input.orderId);
          if (!order) return { outcome: 'not-found' as const };
          if (order.state === input.to) return { outcome: 'ok' as const, state: order.state };
          if (!ORDER_TRANSITIONS[order.state].includes(input.to))
            return { outcome: 'conflict' as const, state: order.state };
          order.state = input.to;
          order.history.push(input.to);
          return { outcome: 'ok' as const, state: order.state };
        }),
    },
    payments: {
      authorize: async (input) => {
        authorizeDeadlines.push(input.timeoutMs);
        const answer = await op('payments.authorize', () => {
          const request = `authorize:${input.orderId}:${input.amount.amountMinor}`;
          const stored = keys.get(input.idempotencyKey);
          if (stored) {
            if (stored.request !== request)
              throw new ParticipantRejectedError(
                'payments',
                'Authorize',
                'FAILED_PRECONDITION',
                'key reused',
              );
            return stored.answer as PaymentView;
          }
          const paymentId = randomUUID();
          payments.set(paymentId, {
            orderId: input.orderId,
            amountMinor: input.amount.amountMinor,
            status: decline ? 'declined' : 'authorized',
          });
          if (!decline) effects.authorizations++;
          const answer = view(paymentId);
          keys.set(input.idempotencyKey, { request, answer });
          return answer;
        });
        if (input.timeoutMs !== undefined && input.timeoutMs < authorizeTimeMs)
          throw new ParticipantUnavailableError('payments', 'Authorize', 'DEADLINE_EXCEEDED', 'deadline');
        return answer;
      },
      capture: (input) =>
        op('payments.capture', () => paymentOp('capture', input.idempotencyKey, input.paymentId)),
      void: (input) => op('payments.void', () => paymentOp('void', input.idempotencyKey, input.paymentId)),
      refund: (input) =>
        op('payments.refund', () => paymentOp('refund', input.idempotencyKey, input.paymentId)),
      get: (paymentId) => op('payments.get', () => (payments.has(paymentId) ? view(paymentId) : undefined)),
    },
    cart: {
      get: (userId) =>
        op('cart.get', () => {
          const cart = carts.get(userId) ?? { lines: [], version: 0 };
          return priced(cart.lines, 10, cart.version);
        }),
      price: (_userId, lines) => op('cart.price', () => priced(lines)),
      clear: (userId, ifVersion) =>
        op('cart.clear', () => {
          const cart = carts.get(userId);
          if (cart && (ifVersion === 0 || cart.version === ifVersion))
            carts.set(userId, { lines: [], version: cart.version + 1 });
        }),
    },
    close: () => Promise.resolve(),
  };

  return {
    participants,
    stock,
    prices,
    carts,
    reservations,
    orders,
    payments,
    effects,
    calls,
    fail(operation, mode, times = Infinity) {
      rules.push({ operation, mode, times });
    },
    clearFailures() {
      rules = [];
    },
    declineAuthorizations(on) {
      decline = on;
    },
    refuseCaptures(on) {
      refuseCapture = on;
    },
    expireOnCommit(on) {
      expireCommit = on;
    },
    authorizeDeadlines,
    setAuthorizeTime(ms) {
      authorizeTimeMs = ms;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
  };
}

/** Adds a product with `onHand` in stock at `priceMinor` EUR cents; returns its id. */
export function addProduct(shop: FakeShop, onHand: number, priceMinor = 1000): string {
  const id = randomUUID();
  shop.stock.set(id, { onHand, reserved: 0 });
  shop.prices.set(id, priceMinor);
  return id;
}
