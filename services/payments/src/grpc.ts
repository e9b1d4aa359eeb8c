import { z } from 'zod';
import { rpc } from '@opsloop/contracts';
import { Code, ConnectError, parseRpcInput, type ServiceImpl } from '@opsloop/rpc';
import { IDEMPOTENCY_KEY_PATTERN, type Payment, type PaymentResult, type Payments } from './payments.js';
import { ProviderUnavailableError } from './provider.js';
import { authorizeBodySchema } from './routes.js';

// The same rules as the REST routes' header and path parameter, under the .proto's field names.
const idempotencyKey = z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1-255 printable ASCII characters');
const authorizeRequest = authorizeBodySchema.extend({ idempotencyKey });
const operationRequest = z.object({
  idempotencyKey,
  paymentId: z.uuid('must be a payment id (UUID)'),
});
const getRequest = z.object({ paymentId: z.uuid('must be a payment id (UUID)') });

const STATUSES: Record<Payment['status'], rpc.PaymentStatus> = {
  authorized: rpc.PaymentStatus.AUTHORIZED,
  declined: rpc.PaymentStatus.DECLINED,
  captured: rpc.PaymentStatus.CAPTURED,
  voided: rpc.PaymentStatus.VOIDED,
  refunded: rpc.PaymentStatus.REFUNDED,
};

function toMessage(payment: Payment, replayed: boolean) {
  return {
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    amount: { amountMinor: BigInt(payment.amount.amountMinor), currency: payment.amount.currency },
    status: STATUSES[payment.status],
    declineReason: payment.declineReason ?? '',
    replayed,
  };
}

/** Maps an operation's result: the payment, or the error of a refusal. */
function answer(result: PaymentResult, paymentId?: string) {
  switch (result.outcome) {
    case 'ok':
      return toMessage(result.payment, result.replayed);
    case 'not-found':
      throw new ConnectError(`no payment with id ${paymentId ?? ''}`, Code.NotFound);
    case 'conflict':
      // The key's first call is still running: try again later (gRPC's ABORTED, "retry at a higher level").
      if (result.reason === 'idempotency-key-in-progress')
        throw new ConnectError(result.detail, Code.Aborted);
      throw new ConnectError(result.detail, Code.FailedPrecondition);
  }
}

/** Runs an operation; a provider failure (nothing happened) is UNAVAILABLE, which clients may retry. */
async function guarded(operation: () => Promise<PaymentResult>): Promise<PaymentResult> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ProviderUnavailableError)
      throw new ConnectError(
        'the card provider is unavailable; nothing was done, retry with the same idempotency_key',
        Code.Unavailable,
      );
    throw error;
  }
}

/**
 * The gRPC binding of the payments (`opsloop.shop.v1.PaymentsService`), the twin of `routes.ts`: the same
 * validation (the idempotency key is a field here, a header there), the same domain calls. A decline is a
 * payment with status DECLINED, not an error.
 */
export function paymentsGrpc(payments: Payments): ServiceImpl<typeof rpc.PaymentsService> {
  const operation = (action: 'capture' | 'void' | 'refund') => async (request: rpc.PaymentOperation) => {
    const input = parseRpcInput(operationRequest, {
      idempotencyKey: request.idempotencyKey,
      paymentId: request.paymentId,
    });
    return answer(await guarded(() => payments[action](input)), input.paymentId);
  };

  return {
    async authorize(request) {
      const input = parseRpcInput(authorizeRequest, {
        idempotencyKey: request.idempotencyKey,
        orderId: request.orderId,
        // int64 arrives as a bigint; the schema's bounds (1 to 10^11) are far inside a double's exact range.
        amount:
          request.amount === undefined
            ? undefined
            : { amountMinor: Number(request.amount.amountMinor), currency: request.amount.currency },
      });
      return answer(await guarded(() => payments.authorize(input)));
    },
    capture: operation('capture'),
    void: operation('void'),
    refund: operation('refund'),
    async getPayment(request) {
      const { paymentId } = parseRpcInput(getRequest, { paymentId: request.paymentId });
      const payment = await payments.get(paymentId);
      if (payment === undefined) throw new ConnectError(`no payment with id ${paymentId}`, Code.NotFound);
      return toMessage(payment, false);
    },
  };
}
