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
const providerParams = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a provider name'),
});
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

function configure(provider: SimulatedProvider, body: unknown) {
  const settings = parseInput(providerSettingsBodySchema, body, 'body');
  return provider.configure({
    ...(settings.latencyMs === undefined ? {} : { latencyMs: settings.latencyMs }),
    ...(settings.failureRate === undefined ? {} : { failureRate: settings.failureRate }),
    ...(settings.declineRate === undefined ? {} : { declineRate: settings.declineRate }),
  });
}

/**
 * Registers the payments' HTTP API (an internal service: only the checkout calls it). The provider
 * settings routes are fault knobs and are not authenticated yet: `/api/payments/provider` is the primary
 * provider's, `/api/payments/providers/{name}` any provider's (`primary`, `secondary`).
 */
export function registerPaymentsRoutes(
  app: FastifyInstance,
  payments: Payments,
  providers: SimulatedProvider | Readonly<Record<string, SimulatedProvider>>,
): void {
  const named: Readonly<Record<string, SimulatedProvider>> =
    'configure' in providers && typeof providers.configure === 'function'
      ? { primary: providers as SimulatedProvider }
      : (providers as Readonly<Record<string, SimulatedProvider>>);
  const providerOf = (params: unknown): SimulatedProvider => {
    const { name } = parseInput(providerParams, params, 'path');
    const found = Object.hasOwn(named, name) ? named[name] : undefined;
    if (found === undefined)
      throw new ProblemError('resourceNotFound', {
        detail: `no card provider named ${name} (known: ${Object.keys(named).join(', ')})`,
      });
    return found;
  };

  // Synchronous, but async handlers: a validation throw becomes the problem response.
  app.get('/api/payments/provider', async () => Promise.resolve(providerOf({ name: 'primary' }).settings()));
  app.put('/api/payments/provider', async (request) =>
    Promise.resolve(configure(providerOf({ name: 'primary' }), request.body)),
  );
  app.get('/api/payments/providers', async () =>
    Promise.resolve(
      Object.fromEntries(Object.entries(named).map(([name, provider]) => [name, provider.settings()])),
    ),
  );
  app.get('/api/payments/providers/:name', async (request) =>
    Promise.resolve(providerOf(request.params).settings()),
  );
  app.put('/api/payments/providers/:name', async (request) =>
    Promise.resolve(configure(providerOf(request.params), request.body)),
  );

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
