import { rpc } from '@opsloop/contracts';
import {
  createResolverFromConfig,
  watchIdentityFromConfig,
  type BaseConfig,
  type IdentitySource,
  type Logger,
  type ServiceMetrics,
} from '@opsloop/kit';
import { Code, codeName, ConnectError, createRpcClient } from '@opsloop/rpc';
import {
  ParticipantRejectedError,
  ParticipantUnavailableError,
  type Money,
  type OrderState,
  type Participants,
  type PaymentStatus,
  type PaymentView,
  type PricedCart,
  type ReservationState,
} from '../participants.js';

/** Options of {@link createRpcParticipants}. */
export interface RpcParticipantsOptions {
  config: BaseConfig & { OPSLOOP_ENDPOINTS?: string | undefined };
  log: Logger;
  metrics?: ServiceMetrics;
  /** Deadline of each call. */
  timeoutMs: number;
  /** The service's identity (mutual TLS); by default watched from `config.OPSLOOP_TLS_DIR` (unset: cleartext). */
  identity?: IdentitySource;
}

/**
 * Codes after which nothing is known of the call's effect, or the refusal may pass (a key in progress, an
 * upstream not serving the method yet during a rollout): the step may be redone.
 */
const TRANSIENT = new Set<Code>([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Aborted,
  Code.ResourceExhausted,
  Code.Unknown,
  Code.Internal,
  Code.Canceled,
  Code.Unimplemented,
]);

const RESERVATION_STATES: Record<number, ReservationState> = {
  [rpc.ReservationState.HELD]: 'held',
  [rpc.ReservationState.COMMITTED]: 'committed',
  [rpc.ReservationState.RELEASED]: 'released',
  [rpc.ReservationState.EXPIRED]: 'expired',
};

const ORDER_STATES: Record<number, OrderState> = {
  [rpc.OrderState.PENDING]: 'pending',
  [rpc.OrderState.CONFIRMED]: 'confirmed',
  [rpc.OrderState.PAID]: 'paid',
  [rpc.OrderState.FULFILLED]: 'fulfilled',
  [rpc.OrderState.CANCELLED]: 'cancelled',
  [rpc.OrderState.FAILED]: 'failed',
};

const ORDER_TARGETS = {
  confirmed: rpc.OrderState.CONFIRMED,
  paid: rpc.OrderState.PAID,
  cancelled: rpc.OrderState.CANCELLED,
} as const;

const PAYMENT_STATUSES: Record<number, PaymentStatus> = {
  [rpc.PaymentStatus.AUTHORIZED]: 'authorized',
  [rpc.PaymentStatus.DECLINED]: 'declined',
  [rpc.PaymentStatus.CAPTURED]: 'captured',
  [rpc.PaymentStatus.VOIDED]: 'voided',
  [rpc.PaymentStatus.REFUNDED]: 'refunded',
};

/** A ConnectError's code, or undefined for anything else. */
function codeOf(error: unknown): Code | undefined {
  return error instanceof ConnectError ? error.code : undefined;
}

/** Wraps a call: participant errors become the port's two error classes. */
async function call<T>(participant: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const connectError = ConnectError.from(error);
    const code = codeName(connectError.code);
    if (TRANSIENT.has(connectError.code))
      throw new ParticipantUnavailableError(participant, operation, code, connectError.rawMessage, error);
    throw new ParticipantRejectedError(participant, operation, code, connectError.rawMessage, error);
  }
}

/** Runs `fn`; a ConnectError with `code` becomes `fallback()` instead. */
async function unless<T>(code: Code, fn: () => Promise<T>, fallback: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (codeOf(error) === code) return fallback();
    throw error;
  }
}

const toMoney = (money: rpc.Money | undefined): Money => ({
  amountMinor: Number(money?.amountMinor ?? 0n),
  currency: money?.currency ?? '',
});

const toRpcMoney = (money: Money) => ({ amountMinor: BigInt(money.amountMinor), currency: money.currency });

function toPayment(payment: rpc.Payment): PaymentView {
  const status = PAYMENT_STATUSES[payment.status];
  // Never guess a status: an unknown one is treated as no answer (the step is redone).
  if (status === undefined) throw new ConnectError(`unknown payment status ${payment.status}`, Code.Internal);
  return { paymentId: payment.paymentId, status, declineReason: payment.declineReason };
}

function toCart(cart: rpc.Cart): PricedCart {
  return {
    lines: cart.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: toMoney(line.unitPrice),
    })),
    subtotal: toMoney(cart.subtotal),
    discountPercent: cart.discountPercent,
    discount: toMoney(cart.discount),
    total: toMoney(cart.total),
    version: Number(cart.version),
  };
}

/**
 * The saga's participants over gRPC (`@opsloop/rpc`: client-side balancing over discovery, deadlines,
 * retries of idempotent methods, a circuit breaker per target). Business answers that arrive as status codes
 * (NOT_FOUND, FAILED_PRECONDITION on a forbidden transition) are turned into the port's results.
 */
export function createRpcParticipants(options: RpcParticipantsOptions): Participants {
  const { log, metrics, timeoutMs } = options;
  const resolver = createResolverFromConfig(options.config, log);
  const watched = options.identity ? undefined : watchIdentityFromConfig(options.config, log);
  const identity = options.identity ?? watched;
  const common = { resolver, log, timeoutMs, identity, ...(metrics ? { metrics } : {}) };
  const inventory = createRpcClient(rpc.InventoryService, { target: 'inventory', ...common });
  const orders = createRpcClient(rpc.OrdersService, { target: 'orders', ...common });
  const payments = createRpcClient(rpc.PaymentsService, { target: 'payments', ...common });
  const cart = createRpcClient(rpc.CartService, { target: 'cart', ...common });

  const reservationState = async (reservationId: string): Promise<ReservationState | 'not-found'> =>
    unless(
      Code.NotFound,
      async () => RESERVATION_STATES[(await inventory.getReservation({ reservationId })).state] ?? 'released',
      () => 'not-found' as const,
    );

  const orderState = async (orderId: string): Promise<OrderState | 'unknown'> =>
    unless(
      Code.NotFound,
      async () => ORDER_STATES[(await orders.getOrder({ orderId })).state] ?? 'unknown',
      () => 'unknown' as const,
    );

  const paymentStatus = async (paymentId: string): Promise<PaymentStatus | 'unknown'> =>
    unless(
      Code.NotFound,
      async () => PAYMENT_STATUSES[(await payments.getPayment({ paymentId })).status] ?? 'unknown',
      () => 'unknown' as const,
    );

  const paymentOperation =
    (operation: 'Capture' | 'Void' | 'Refund', method: 'capture' | 'void' | 'refund') =>
    (input: { idempotencyKey: string; paymentId: string }) =>
      call('payments', operation, async () => {
        try {
          return { outcome: 'ok' as const, payment: toPayment(await payments[method](input)) };
        } catch (error) {
          const code = codeOf(error);
          if (code === Code.NotFound) return { outcome: 'not-found' as const };
          if (code === Code.FailedPrecondition)
            return { outcome: 'refused' as const, status: await paymentStatus(input.paymentId) };
          throw error;
        }
      });

  return {
    inventory: {
      reserve: (input) =>
        call('inventory', 'Reserve', async () => {
          const response = await inventory.reserve({
            reservationId: input.reservationId,
            lines: input.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
            ttlSeconds: input.ttlSeconds,
          });
          if (response.result.case === 'outOfStock') {
            return {
              outcome: 'out-of-stock' as const,
              shortages: response.result.value.shortages.map((s) => ({
                productId: s.productId,
                requested: s.requested,
                available: s.available,
              })),
            };
          }
          if (response.result.case !== 'reservation')
            throw new ConnectError('empty Reserve answer', Code.Internal);
          const reservation = response.result.value;
          return {
            outcome: 'reserved' as const,
            state: RESERVATION_STATES[reservation.state] ?? 'held',
            expiresAtMs: Number(reservation.expiresAtMs),
          };
        }),
      commit: (reservationId) =>
        call('inventory', 'Commit', async () => {
          try {
            const reservation = await inventory.commit({ reservationId });
            const state = RESERVATION_STATES[reservation.state] ?? 'held';
            return state === 'committed'
              ? { outcome: 'committed' as const }
              : { outcome: 'not-held' as const, state };
          } catch (error) {
            const code = codeOf(error);
            if (code === Code.NotFound) return { outcome: 'not-held' as const, state: 'not-found' as const };
            if (code === Code.FailedPrecondition) {
              const state = await reservationState(reservationId);
              return state === 'committed'
                ? { outcome: 'committed' as const }
                : { outcome: 'not-held' as const, state };
            }
            throw error;
          }
        }),
      release: (reservationId) =>
        call('inventory', 'Release', async () => {
          try {
            await inventory.release({ reservationId });
            return { outcome: 'released' as const };
          } catch (error) {
            const code = codeOf(error);
            if (code === Code.NotFound) return { outcome: 'not-found' as const };
            if (code === Code.FailedPrecondition) {
              const state = await reservationState(reservationId);
              return state === 'committed'
                ? { outcome: 'committed' as const }
                : { outcome: 'released' as const };
            }
            throw error;
          }
        }),
    },

    orders: {
      create: (input) =>
        call('orders', 'CreateOrder', async () => {
          const order = await orders.createOrder({
            orderId: input.orderId,
            userId: input.userId,
            lines: input.lines.map((line) => ({
              productId: line.productId,
              quantity: line.quantity,
              unitPrice: toRpcMoney(line.unitPrice),
            })),
          });
          return { state: ORDER_STATES[order.state] ?? 'pending' };
        }),
      transition: (input) =>
        call('orders', 'Transition', async () => {
          try {
            const order = await orders.transition({
              orderId: input.orderId,
              to: ORDER_TARGETS[input.to],
              reason: input.reason ?? '',
            });
            return { outcome: 'ok' as const, state: ORDER_STATES[order.state] ?? 'pending' };
          } catch (error) {
            const code = codeOf(error);
            if (code === Code.NotFound) return { outcome: 'not-found' as const };
            if (code === Code.FailedPrecondition)
              return { outcome: 'conflict' as const, state: await orderState(input.orderId) };
            throw error;
          }
        }),
    },

    payments: {
      authorize: (input) =>
        call('payments', 'Authorize', async () =>
          toPayment(
            await payments.authorize(
              {
                idempotencyKey: input.idempotencyKey,
                orderId: input.orderId,
                amount: toRpcMoney(input.amount),
              },
              input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs },
            ),
          ),
        ),
      capture: paymentOperation('Capture', 'capture'),
      void: paymentOperation('Void', 'void'),
      refund: paymentOperation('Refund', 'refund'),
      get: (paymentId) =>
        call('payments', 'GetPayment', () =>
          unless(
            Code.NotFound,
            async () => toPayment(await payments.getPayment({ paymentId })),
            () => undefined,
          ),
        ),
    },

    cart: {
      get: (userId) => call('cart', 'GetCart', async () => toCart(await cart.getCart({ userId }))),
      price: (userId, lines) =>
        call('cart', 'PriceLines', async () =>
          toCart(
            await cart.priceLines({
              userId,
              lines: lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
            }),
          ),
        ),
      clear: (userId, ifVersion) =>
        call('cart', 'ClearCart', () =>
          // The cart changed since it was read (the user added something): leave it as it is.
          unless(
            Code.FailedPrecondition,
            async () => void (await cart.clearCart({ userId, ifVersion: BigInt(ifVersion) })),
            () => undefined,
          ),
        ),
    },

    async close() {
      await Promise.all([inventory.close(), orders.close(), payments.close(), cart.close()]);
      watched?.close();
      await resolver.close();
    },
  };
}
