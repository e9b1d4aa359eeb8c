import { randomUUID } from 'node:crypto';
import { rpc } from '@opsloop/contracts';
import { createService, type Service } from '@opsloop/kit';
import { Code, ConnectError, serveRpc } from '@opsloop/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcParticipants, type RpcParticipantsOptions } from '../src/adapters/rpc-participants.js';
import { ParticipantUnavailableError, type Participants } from '../src/participants.js';
import { silentLog } from './saga-harness.js';

// A payments stand-in over real gRPC on 127.0.0.1 whose authorization takes 1 s and, like the real one,
// finishes (and is stored under its key) even when the caller has given up.
const AUTHORIZE_MS = 1_000;
const authorized = new Map<string, string>();
let calls = 0;
let stub: Service;
let participants: Participants;

beforeAll(async () => {
  stub = await createService({
    name: 'payments-stub',
    version: '1.0.0',
    env: { LOG_LEVEL: 'silent', PORT: '0', SHUTDOWN_TIMEOUT_MS: '1000' },
    setup(context) {
      serveRpc(context, (router) =>
        router.service(rpc.PaymentsService, {
          async authorize(request) {
            calls += 1;
            await new Promise((resolve) => setTimeout(resolve, AUTHORIZE_MS));
            const paymentId = authorized.get(request.idempotencyKey) ?? randomUUID();
            authorized.set(request.idempotencyKey, paymentId);
            return {
              paymentId,
              orderId: request.orderId,
              ...(request.amount === undefined ? {} : { amount: request.amount }),
              status: rpc.PaymentStatus.AUTHORIZED,
              declineReason: '',
              replayed: false,
            };
          },
          capture: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
          void: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
          refund: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
          getPayment: () => Promise.reject(new ConnectError('not here', Code.Unimplemented)),
        }),
      );
    },
  });
  const url = await stub.listen();
  participants = createRpcParticipants({
    config: { OPSLOOP_ENDPOINTS: `payments=${url}` } as RpcParticipantsOptions['config'],
    log: silentLog,
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await participants?.close();
  await stub?.shutdown('test');
});

describe('the payments participant over gRPC: the authorization deadline', () => {
  it('a per-call deadline shorter than the authorization is an unknown outcome; the same key under the configured deadline learns the payment', async () => {
    const order = () => ({ orderId: randomUUID(), amount: { amountMinor: 100, currency: 'EUR' } });
    // A first call opens the HTTP/2 connection, so the short deadline below is spent on the call itself.
    await participants.payments.authorize({ idempotencyKey: `warm-${randomUUID()}`, ...order() });
    const before = calls;
    const input = { idempotencyKey: `k-${randomUUID()}`, ...order() };
    const error = await participants.payments.authorize({ ...input, timeoutMs: 150 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ParticipantUnavailableError);
    expect((error as ParticipantUnavailableError).code).toBe('DEADLINE_EXCEEDED');
    // Without timeoutMs the adapter's configured deadline (5 s) applies: the answer arrives, and it is the
    // payment the timed-out call made (the stand-in, like payments, finished it under the same key).
    const payment = await participants.payments.authorize(input);
    expect(calls - before).toBe(2);
    expect(payment).toMatchObject({ status: 'authorized', paymentId: authorized.get(input.idempotencyKey) });
  });
});
