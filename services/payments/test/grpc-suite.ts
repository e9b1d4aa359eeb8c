import { randomUUID } from 'node:crypto';
import { rpc } from '@opsloop/contracts';
import { createService } from '@opsloop/kit';
import { Code, createRpcTestServer, rpcErrorOf as errorOf } from '@opsloop/rpc';
import { withoutClose, type Database } from '@opsloop/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paymentsService } from '../src/app.js';
import { createSeededRandom, createSimulatedProvider, type SimulatedProvider } from '../src/provider.js';
import type { PaymentsTables } from '../src/tables.js';

/** How a suite opens its database and, when done, disposes of it (close, and drop what it created). */
export interface PaymentsGrpcBackend {
  open(): Promise<Database<PaymentsTables>>;
  dispose(database: Database<PaymentsTables>): Promise<void>;
}

const START = Date.parse('2030-01-01T00:00:00Z');

const eur = (amountMinor: number) => ({ amountMinor: BigInt(amountMinor), currency: 'EUR' });

/** The payments' gRPC binding, through a real client over 127.0.0.1, on one database backend. */
export function describePaymentsGrpc(name: string, backend: PaymentsGrpcBackend): void {
  describe(`payments gRPC on ${name}`, () => {
    const provider: SimulatedProvider = createSimulatedProvider({ random: createSeededRandom(11) });
    const server = createRpcTestServer(rpc.PaymentsService, {
      target: 'payments',
      open: () => backend.open(),
      create: (database) =>
        createService(
          paymentsService({
            createDatabase: () => Promise.resolve(withoutClose(database)),
            provider,
            now: () => START,
            waitForAnswerMs: 50,
            env: { LOG_LEVEL: 'silent' },
          }),
        ),
      dispose: (database) => backend.dispose(database),
      client: { timeoutMs: 5000, retry: { baseDelayMs: 1, maxDelayMs: 5 } },
    });
    beforeAll(() => server.start());
    afterAll(() => server.stop());

    beforeEach(() => {
      provider.configure({ latencyMs: 0, failureRate: 0, declineRate: 0 });
    });

    const payments = () => server.client();

    const authorize = (amountMinor = 1250, key = randomUUID()) =>
      payments().authorize({ idempotencyKey: key, orderId: randomUUID(), amount: eur(amountMinor) });

    it('authorizes, captures and refunds; reads the payment', async () => {
      const orderId = randomUUID();
      const payment = await payments().authorize({
        idempotencyKey: randomUUID(),
        orderId,
        amount: eur(1250),
      });
      expect(payment).toMatchObject({
        orderId,
        status: rpc.PaymentStatus.AUTHORIZED,
        declineReason: '',
        replayed: false,
      });
      expect(payment.amount).toMatchObject({ amountMinor: 1250n, currency: 'EUR' });
      const { paymentId } = payment;
      const captured = await payments().capture({ idempotencyKey: randomUUID(), paymentId });
      expect(captured.status).toBe(rpc.PaymentStatus.CAPTURED);
      const refunded = await payments().refund({ idempotencyKey: randomUUID(), paymentId });
      expect(refunded.status).toBe(rpc.PaymentStatus.REFUNDED);
      const read = await payments().getPayment({ paymentId });
      expect(read).toMatchObject({ paymentId, status: rpc.PaymentStatus.REFUNDED, replayed: false });
    });

    it('voids an authorization', async () => {
      const { paymentId } = await authorize();
      expect((await payments().void({ idempotencyKey: randomUUID(), paymentId })).status).toBe(
        rpc.PaymentStatus.VOIDED,
      );
    });

    it('answers a decline as a DECLINED payment, not an error', async () => {
      provider.configure({ declineRate: 1 });
      const payment = await authorize();
      expect(payment.status).toBe(rpc.PaymentStatus.DECLINED);
      expect(payment.declineReason).not.toBe('');
    });

    it('replays the first answer for a reused key, without calling the provider again', async () => {
      const key = randomUUID();
      const request = { idempotencyKey: key, orderId: randomUUID(), amount: eur(500) };
      const first = await payments().authorize(request);
      const calls = provider.calls().authorize;
      const again = await payments().authorize(request);
      expect(again.replayed).toBe(true);
      expect(again.paymentId).toBe(first.paymentId);
      expect(provider.calls().authorize).toBe(calls);

      const captureKey = randomUUID();
      await payments().capture({ idempotencyKey: captureKey, paymentId: first.paymentId });
      const replayed = await payments().capture({ idempotencyKey: captureKey, paymentId: first.paymentId });
      expect(replayed).toMatchObject({ status: rpc.PaymentStatus.CAPTURED, replayed: true });
    });

    it('answers INVALID_ARGUMENT naming every bad field, with the REST rules', async () => {
      const bad = await errorOf(
        payments().authorize({
          idempotencyKey: '',
          orderId: 'x',
          amount: { amountMinor: 0n, currency: 'eur' },
        }),
      );
      expect(bad.code).toBe(Code.InvalidArgument);
      expect(bad.rawMessage).toBe(
        'invalid request: order_id: must be an order id (UUID); amount.amount_minor: must be at least 1; ' +
          'amount.currency: must be an ISO 4217 code in capitals; idempotency_key: must be 1-255 printable ASCII characters',
      );
      const noAmount = await errorOf(payments().authorize({ idempotencyKey: 'k', orderId: randomUUID() }));
      expect(noAmount.rawMessage).toBe('invalid request: amount: must be { amountMinor, currency }');
      const huge = await errorOf(
        payments().authorize({ idempotencyKey: 'k', orderId: randomUUID(), amount: eur(100_000_000_001) }),
      );
      expect(huge.rawMessage).toBe('invalid request: amount.amount_minor: must be at most 100000000000');
      const capture = await errorOf(payments().capture({ idempotencyKey: 'k', paymentId: 'nope' }));
      expect(capture.rawMessage).toBe('invalid request: payment_id: must be a payment id (UUID)');
      const read = await errorOf(payments().getPayment({ paymentId: '' }));
      expect(read.code).toBe(Code.InvalidArgument);
    });

    it('answers NOT_FOUND for an unknown payment', async () => {
      const id = randomUUID();
      const capture = await errorOf(payments().capture({ idempotencyKey: randomUUID(), paymentId: id }));
      expect(capture.code).toBe(Code.NotFound);
      expect(capture.rawMessage).toBe(`no payment with id ${id}`);
      expect((await errorOf(payments().getPayment({ paymentId: id }))).code).toBe(Code.NotFound);
    });

    it('answers FAILED_PRECONDITION for a forbidden transition and a key reused for another request', async () => {
      const { paymentId } = await authorize();
      const refund = await errorOf(payments().refund({ idempotencyKey: randomUUID(), paymentId }));
      expect(refund.code).toBe(Code.FailedPrecondition);

      const key = randomUUID();
      await authorize(100, key);
      const reused = await errorOf(authorize(200, key));
      expect(reused.code).toBe(Code.FailedPrecondition);
    });

    it('answers ABORTED while the key’s first call is still running', async () => {
      provider.configure({ latencyMs: 2000 });
      const key = randomUUID();
      const request = { idempotencyKey: key, orderId: randomUUID(), amount: eur(700) };
      const first = payments().authorize(request);
      // Wait until the first call has claimed the key (its provider call is running).
      const before = provider.calls().authorize;
      while (provider.calls().authorize === before) await new Promise((resolve) => setTimeout(resolve, 5));
      const duplicate = await errorOf(payments().authorize(request));
      expect(duplicate.code).toBe(Code.Aborted);
      expect((await first).status).toBe(rpc.PaymentStatus.AUTHORIZED);
    });

    it('answers UNAVAILABLE when the provider fails; the client retries the idempotent call', async () => {
      provider.configure({ failureRate: 1 });
      const before = provider.calls().authorize;
      const key = randomUUID();
      const error = await errorOf(authorize(300, key));
      expect(error.code).toBe(Code.Unavailable);
      // Three attempts (the client's default), each one reaching the provider: nothing was stored.
      expect(provider.calls().authorize - before).toBe(3);
      provider.configure({ failureRate: 0 });
      expect((await authorize(300, key)).status).toBe(rpc.PaymentStatus.AUTHORIZED);
    });
  });
}
