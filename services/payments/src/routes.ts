import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import {
  IDEMPOTENCY_KEY_PATTERN,
  MAX_AMOUNT_MINOR,
  type Payment,
  type PaymentResult,
  type Payments,
} from './payments.js';
import { MAX_PROVIDER_LATENCY_MS, ProviderUnavailableError, type SimulatedProvider } from './provider.js';

/** Seconds a client is told to wait (`retry-after`) after a provider failure. */
export const PROVIDER_RETRY_AFTER_SECONDS = 1;

const paymentParams = z.object({ id: z.uuid('must be a payment id (UUID)') });
const idempotencyHeader = z.object({
  'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1-255 printable ASCII characters'),
});

/** The body of `POST /api/payments/authorizations`: the amount in integer minor units. */
export const authorizeBodySchema = z.object({
  orderId: z.uuid('must be an order id (UUID)'),
  amount: z.object(
    {
      amountMinor: z
        .number('must be an integer number of minor units')
        .int('must be an integer number of minor units')
        .min(1, 'must be at least 1')
        .max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR}`),
      currency: z
        .string('must be a currency code')
        .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals'),
    },
    'must be { amountMinor, currency }',
  ),
});

/** The body of `PUT /api/payments/provider`: any of the settings. */
export const providerSettingsBodySchema = z
  .object({
    latencyMs: z
      .number('must be an integer')
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(MAX_PROVIDER_LATENCY_MS, `must be at most ${MAX_PROVIDER_LATENCY_MS}`),
    failureRate: z.number('must be a number').min(0, 'must be at least 0').max(1, 'must be at most 1'),
    declineRate: z.number('must be a number').min(0, 'must be at least 0').max(1, 'must be at most 1'),
  })
  .partial();

function requireKey(request: FastifyRequest): string {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined || raw === '')
    throw new ProblemError('idempotencyKeyRequired', {
      detail: 'send an Idempotency-Key header so that a retry never performs the operation twice',
    });
  return parseInput(idempotencyHeader, { 'idempotency-key': raw }, 'header')['idempotency-key'];
}

/** Sends an answer (first or replayed: same status and body), or throws the problem of a refusal. */
function answer(reply: FastifyReply, result: PaymentResult, status: number, id?: string): FastifyReply {
  switch (result.outcome) {
    case 'ok':
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(status).send(result.payment);
    case 'not-found':
      throw new ProblemError('resourceNotFound', { detail: `no payment with id ${id ?? ''}` });
    case 'conflict':
      throw new ProblemError('conflict', {
        detail: result.detail,
        extensions: {
          reason: result.reason,
          ...(result.payment ? { paymentStatus: result.payment.status } : {}),
        },
      });
  }
}

async function guarded(operation: () => Promise<PaymentResult>): Promise<PaymentResult> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ProviderUnavailableError)
      throw new ProblemError('serviceUnavailable', {
        detail: 'the card provider is unavailable; nothing was done, retry with the same Idempotency-Key',
        headers: { 'retry-after': String(PROVIDER_RETRY_AFTER_SECONDS) },
        cause: error,
      });
    throw error;
  }
}

/**
 * Registers the payments' HTTP API (an internal service: only the checkout calls it). The provider
 * settings routes are fault knobs and are not authenticated yet.
 */
export function registerPaymentsRoutes(
  app: FastifyInstance,
  payments: Payments,
  provider: SimulatedProvider,
): void {
  app.get('/api/payments/provider', async () => Promise.resolve(provider.settings()));

  app.put('/api/payments/provider', async (request) => {
    const body = parseInput(providerSettingsBodySchema, request.body, 'body');
    // Synchronous, but an async handler: a validation throw becomes the problem response.
    return Promise.resolve(
      provider.configure({
        ...(body.latencyMs === undefined ? {} : { latencyMs: body.latencyMs }),
        ...(body.failureRate === undefined ? {} : { failureRate: body.failureRate }),
        ...(body.declineRate === undefined ? {} : { declineRate: body.declineRate }),
      }),
    );
  });

  app.post('/api/payments/authorizations', async (request, reply) => {
    const idempotencyKey = requireKey(request);
    const body = parseInput(authorizeBodySchema, request.body, 'body');
    const result = await guarded(() =>
      payments.authorize({ idempotencyKey, orderId: body.orderId, amount: body.amount }),
    );
    return answer(reply, result, 201);
  });

  for (const action of ['capture', 'void', 'refund'] as const) {
    app.post(`/api/payments/:id/${action}`, async (request, reply) => {
      const { id } = parseInput(paymentParams, request.params, 'path');
      const idempotencyKey = requireKey(request);
      const result = await guarded(() => payments[action]({ idempotencyKey, paymentId: id }));
      return answer(reply, result, 200, id);
    });
  }

  app.get('/api/payments/:id', async (request): Promise<Payment> => {
    const { id } = parseInput(paymentParams, request.params, 'path');
    const payment = await payments.get(id);
    if (payment === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no payment with id ${id}` });
    return payment;
  });
}
