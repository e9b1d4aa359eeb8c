import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseInput, PROBLEM_CONTENT_TYPE, ProblemError } from '@opsloop/kit';
import type { Checkout, CheckoutReply } from './checkout.js';
import { SAGA_STATES, type SagaState } from './saga-machine.js';
import type { SagaRecord, SagaRepository, StepLogEntry } from './saga-repository.js';

/** Most lines of one checkout (the orders and inventory limit). */
export const MAX_CHECKOUT_LINES = 100;
/** Largest quantity of one line (the orders limit). */
export const MAX_LINE_QUANTITY = 1000;
/** Longest user id (the orders limit). */
export const MAX_USER_ID_LENGTH = 128;

/** The body of `POST /api/checkout`. Strict: a misspelt `lines` must not check out the whole cart. */
export const checkoutBodySchema = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        productId: z.uuid('must be a product id (UUID)'),
        quantity: z
          .number('must be an integer')
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`),
      }),
      'must be a list of { productId, quantity }',
    )
    .min(1, 'must have at least one line (omit lines to check out the cart)')
    .max(MAX_CHECKOUT_LINES, `must have at most ${MAX_CHECKOUT_LINES} lines`)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        const id = line.productId.toLowerCase();
        if (seen.has(id))
          ctx.addIssue({
            code: 'custom',
            path: [index, 'productId'],
            message: 'each product may appear once (add the quantities)',
          });
        seen.add(id);
      });
    })
    .optional(),
});

const idempotencyKeySchema = z
  .string()
  .min(1, 'must have 1 to 255 characters')
  .max(255, 'must have 1 to 255 characters')
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

const userIdSchema = z
  .string()
  .min(1)
  .max(MAX_USER_ID_LENGTH)
  .regex(/^[\x21-\x7e]+$/);

const sagaParams = z.object({ id: z.uuid('must be a checkout id (UUID)') });

const listQuery = z.object({
  state: z
    .enum(SAGA_STATES as [SagaState, ...SagaState[]], { error: `must be one of ${SAGA_STATES.join(', ')}` })
    .optional(),
  userId: userIdSchema.optional(),
  limit: z.coerce.number('must be an integer').int().min(1).max(500).default(50),
});

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller, as the gateway vouches for it (`x-user-id`, set after verifying the user's token). */
function userOf(request: FastifyRequest): string {
  const value = header(request, 'x-user-id');
  if (value === undefined || value === '')
    throw new ProblemError('unauthorized', { detail: 'no authenticated user: call through the gateway' });
  const parsed = userIdSchema.safeParse(value);
  if (!parsed.success)
    throw new ProblemError('unauthorized', { detail: 'the x-user-id header is malformed' });
  return parsed.data;
}

function send(reply: FastifyReply, answer: CheckoutReply): FastifyReply {
  for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
  if (answer.status >= 400) void reply.type(PROBLEM_CONTENT_TYPE);
  return reply.code(answer.status).send(JSON.stringify(answer.body));
}

function money(amountMinor: number, currency: string) {
  return { amountMinor, currency };
}

/** A saga as its owner sees it: what happened, never internal errors. */
export function publicView(saga: SagaRecord, steps: readonly StepLogEntry[]) {
  return {
    checkoutId: saga.id,
    state: saga.state,
    step: saga.step,
    source: saga.source,
    orderId: saga.orderId,
    paymentId: saga.paymentId,
    lines: saga.lines,
    subtotal: money(saga.subtotalMinor, saga.currency),
    discount: money(saga.discountMinor, saga.currency),
    total: money(saga.totalMinor, saga.currency),
    failure: saga.failure,
    answerStatus: saga.answer?.status ?? null,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
    finishedAt: saga.finishedAt?.toISOString() ?? null,
    steps: steps.map((entry) => ({
      step: entry.step,
      outcome: entry.outcome,
      attempt: entry.attempt,
      at: entry.at.toISOString(),
    })),
  };
}

/** A saga as an operator sees it: everything, including errors, leases and the full step log. */
export function operatorView(saga: SagaRecord, steps?: readonly StepLogEntry[]) {
  return {
    ...publicView(saga, []),
    userId: saga.userId,
    idempotencyKey: saga.idempotencyKey,
    keyActive: saga.keyActive,
    reservationId: saga.reservationId,
    reservationExpiresAt: saga.reservationExpiresAt?.toISOString() ?? null,
    cartVersion: saga.cartVersion,
    failureDetail: saga.failureDetail,
    attempts: saga.attempts,
    lastError: saga.lastError,
    lastErrorAt: saga.lastErrorAt?.toISOString() ?? null,
    nextAttemptAt: saga.nextAttemptAt?.toISOString() ?? null,
    leaseOwner: saga.leaseOwner,
    leaseUntil: saga.leaseUntil?.toISOString() ?? null,
    version: saga.version,
    steps:
      steps?.map((entry) => ({
        seq: entry.seq,
        step: entry.step,
        outcome: entry.outcome,
        attempt: entry.attempt,
        error: entry.error,
        durationMs: entry.durationMs,
        instance: entry.instance,
        at: entry.at.toISOString(),
      })) ?? undefined,
  };
}

/** What `GET /internal/checkout/stats` adds to the saga counts. */
export interface CheckoutStatsSource {
  running(): number;
  relay(): Record<string, unknown>;
}

/**
 * Registers the checkout API: `POST /api/checkout` and `GET /api/checkout/{id}` (routed by the gateway,
 * which sets `x-user-id`), and the operator's `/internal/checkout/*` (never routed by the gateway).
 */
export function registerCheckoutRoutes(
  app: FastifyInstance,
  checkout: Checkout,
  repository: SagaRepository,
  stats: CheckoutStatsSource,
): void {
  app.post('/api/checkout', async (request, reply) => {
    const userId = userOf(request);
    const key = header(request, 'idempotency-key');
    if (key === undefined) {
      throw new ProblemError('idempotencyKeyRequired', {
        detail: 'send an Idempotency-Key header (1-255 printable ASCII characters)',
      });
    }
    const idempotencyKey = parseInput(idempotencyKeySchema, key, 'header');
    const body = parseInput(checkoutBodySchema, request.body ?? {}, 'body');
    const answer = await checkout.place({ userId, idempotencyKey, lines: body.lines });
    return send(reply, answer);
  });

  app.get('/api/checkout/:id', async (request) => {
    const userId = userOf(request);
    const { id } = parseInput(sagaParams, request.params, 'path');
    const saga = await repository.get(id);
    // Someone else's checkout is indistinguishable from none.
    if (saga === undefined || saga.userId !== userId)
      throw new ProblemError('resourceNotFound', { detail: `no checkout ${id}` });
    return publicView(saga, await repository.steps(id));
  });

  app.get('/internal/checkout/sagas', async (request) => {
    const query = parseInput(listQuery, request.query, 'query');
    const sagas = await repository.list(query);
    return { sagas: sagas.map((saga) => operatorView(saga)) };
  });

  app.get('/internal/checkout/sagas/:id', async (request) => {
    const { id } = parseInput(sagaParams, request.params, 'path');
    const saga = await repository.get(id);
    if (saga === undefined) throw new ProblemError('resourceNotFound', { detail: `no saga ${id}` });
    return operatorView(saga, await repository.steps(id));
  });

  app.get('/internal/checkout/stats', async () => ({
    sagas: await repository.counts(),
    running: stats.running(),
    relay: stats.relay(),
  }));
}
