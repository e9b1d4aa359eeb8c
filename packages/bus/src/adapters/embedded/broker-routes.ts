import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ProblemError, parseInput } from '@opsloop/kit';
import { BusError } from '../../bus-error.js';
import { PARTITION_COUNT } from '../../partition.js';
import { MAX_EVENT_BYTES, NAME_PATTERN } from '../../validation.js';
import { BUS_ERROR_MEMBER, type BrokerApi } from './broker-api.js';

/** Options of {@link registerBrokerRoutes}. */
export interface BrokerRoutesOptions {
  /** When set, every route requires `Authorization: Bearer <token>`. */
  token?: string;
}

/** Route config the kit's service reads: logged at debug and kept out of the latency histogram. */
const INTERNAL_ROUTE = { internal: true } as const;
/**
 * Not traced by the kit: acks, naks and stream checks are the background traffic of consumers (a root span
 * each), and a publish is already the client's PRODUCER span.
 */
const UNTRACED = { trace: false } as const;
const STREAM = /^[a-z][a-z0-9-]{0,62}(?:\.dlq)?$/;
const PRINTABLE = /^[\x21-\x7e]{1,128}$/;
const streamParams = z.object({
  stream: z
    .string()
    .regex(STREAM, 'expected a stream name: [a-z][a-z0-9-]{0,62}, optionally followed by .dlq'),
});
const groupParams = streamParams.extend({
  group: z.string().regex(NAME_PATTERN, 'expected a group name: [a-z][a-z0-9-]{0,62}'),
});
const consumer = z.string().regex(PRINTABLE, 'expected 1-128 printable ASCII characters');
const partition = z
  .number()
  .int()
  .min(0)
  .max(PARTITION_COUNT - 1);
const publishBody = z.object({
  event: z.object({
    id: z.string(),
    type: z.string(),
    key: z.string(),
    time: z.string(),
    data: z.unknown(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  dedupeId: z.string().regex(PRINTABLE, 'expected 1-128 printable ASCII characters').optional(),
});
const fetchBody = z.object({
  consumer,
  partitions: z.array(partition).max(PARTITION_COUNT).optional(),
  waitMs: z.number().int().min(0).max(60_000),
  ackWaitMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 60 * 60 * 1000),
});
const settleBody = z.object({
  partition,
  seq: z.number().int().min(1),
  attempt: z.number().int().min(1),
  consumer: consumer.optional(),
});
const nakBody = settleBody.extend({
  delayMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60 * 1000),
});
const cancelBody = z.object({ consumer });

/** Maps a broker error to the problem document the client turns back into the same {@link BusError}. */
function toProblem(error: unknown): unknown {
  if (!(error instanceof BusError)) return error;
  const extensions = { [BUS_ERROR_MEMBER]: error.code };
  switch (error.code) {
    case 'invalid-argument':
    case 'invalid-event':
      return new ProblemError('validationFailed', { detail: error.message, extensions });
    case 'event-too-large':
      return new ProblemError('payloadTooLarge', { detail: error.message, extensions });
    case 'stream-not-found':
      return new ProblemError('resourceNotFound', { detail: error.message, extensions });
    case 'closed':
    case 'unavailable':
      return new ProblemError('serviceUnavailable', {
        detail: error.message,
        extensions,
        headers: { 'retry-after': '1' },
      });
    default:
      return new ProblemError('internalError', { extensions, cause: error });
  }
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toProblem(error);
  }
}

function staleDelivery(): ProblemError {
  return new ProblemError('conflict', {
    detail: 'the delivery is no longer current (redelivered after its ack wait, or already settled)',
    extensions: { [BUS_ERROR_MEMBER]: 'stale-delivery' },
  });
}

/**
 * Serves a broker over HTTP under `/v1/bus/…` (zod-validated input, problem+json errors):
 *
 * - `PUT  /v1/bus/streams/:stream` ensure the stream (and its `.dlq`) → 204
 * - `GET  /v1/bus/streams/:stream` → `{ stream, partitions, lastSeq }`
 * - `POST /v1/bus/streams/:stream/events` `{ event, dedupeId? }` → `{ seq, duplicate }`
 * - `POST /v1/bus/streams/:stream/groups/:group/fetch` `{ consumer, partitions?, waitMs, ackWaitMs }` →
 *   `{ deliveries }` (long-poll)
 * - `POST …/groups/:group/ack` `{ partition, seq, attempt, consumer? }` → 204, or 409 for a stale delivery
 * - `POST …/groups/:group/nak` `{ partition, seq, attempt, delayMs, consumer? }` → 204 or 409
 * - `POST …/groups/:group/cancel` `{ consumer }` → 204 (ends that consumer's long-poll)
 *
 * Waiting long-polls are answered (empty) when the app starts closing, so shutdown is not held up.
 */
export function registerBrokerRoutes(
  app: FastifyInstance,
  broker: BrokerApi,
  options: BrokerRoutesOptions = {},
): void {
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  // Typed structurally (not FastifyRequest) so that it fits routes with any route config.
  const authenticate = (
    request: { headers: { authorization?: string | undefined } },
    _reply: unknown,
    done: (error?: Error) => void,
  ) => {
    if (expected === undefined) return done();
    const presented = Buffer.from(request.headers.authorization ?? '');
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) return done();
    done(new ProblemError('unauthorized', { headers: { 'www-authenticate': 'Bearer realm="opsloop-bus"' } }));
  };
  const polls = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const poll of polls) poll.abort();
    done();
  });

  app.put(
    '/v1/bus/streams/:stream',
    { onRequest: authenticate, config: UNTRACED },
    async (request, reply) => {
      const { stream } = parseInput(streamParams, request.params, 'path');
      await mapped(() => broker.ensureStream(stream));
      return reply.code(204).send();
    },
  );

  app.get('/v1/bus/streams/:stream', { onRequest: authenticate, config: UNTRACED }, async (request) => {
    const { stream } = parseInput(streamParams, request.params, 'path');
    return mapped(() => broker.streamInfo(stream));
  });

  app.post(
    '/v1/bus/streams/:stream/events',
    // The event may be up to 1 MiB of JSON; leave room for the wrapper and escaping differences.
    { onRequest: authenticate, bodyLimit: MAX_EVENT_BYTES + 64 * 1024, config: UNTRACED },
    async (request) => {
      const { stream } = parseInput(streamParams, request.params, 'path');
      const body = parseInput(publishBody, request.body, 'body');
      return mapped(() =>
        broker.publish(stream, body.event, body.dedupeId === undefined ? {} : { dedupeId: body.dedupeId }),
      );
    },
  );

  app.post(
    '/v1/bus/streams/:stream/groups/:group/fetch',
    // A long-poll's duration is not a latency: keep it out of the request histogram and info logs.
    { onRequest: authenticate, config: INTERNAL_ROUTE },
    async (request, reply) => {
      const { stream, group } = parseInput(groupParams, request.params, 'path');
      const body = parseInput(fetchBody, request.body, 'body');
      const poll = new AbortController();
      polls.add(poll);
      // The client went away: stop waiting (deliveries not yet leased stay available to others).
      const onClose = () => {
        if (!reply.raw.writableFinished) poll.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const deliveries = await mapped(() =>
          broker.fetch(
            {
              stream,
              group,
              consumer: body.consumer,
              waitMs: body.waitMs,
              ackWaitMs: body.ackWaitMs,
              ...(body.partitions === undefined ? {} : { partitions: body.partitions }),
            },
            poll.signal,
          ),
        );
        return { deliveries };
      } finally {
        polls.delete(poll);
      }
    },
  );

  app.post(
    '/v1/bus/streams/:stream/groups/:group/ack',
    { onRequest: authenticate, config: UNTRACED },
    async (request, reply) => {
      const { stream, group } = parseInput(groupParams, request.params, 'path');
      const body = parseInput(settleBody, request.body, 'body');
      const current = await mapped(() => broker.ack({ stream, group, ...body }));
      if (!current) throw staleDelivery();
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/bus/streams/:stream/groups/:group/nak',
    { onRequest: authenticate, config: UNTRACED },
    async (request, reply) => {
      const { stream, group } = parseInput(groupParams, request.params, 'path');
      const body = parseInput(nakBody, request.body, 'body');
      const current = await mapped(() => broker.nak({ stream, group, ...body }));
      if (!current) throw staleDelivery();
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/bus/streams/:stream/groups/:group/cancel',
    { onRequest: authenticate, config: UNTRACED },
    async (request, reply) => {
      const { stream, group } = parseInput(groupParams, request.params, 'path');
      const body = parseInput(cancelBody, request.body, 'body');
      await mapped(() => broker.cancelFetch(stream, group, body.consumer));
      return reply.code(204).send();
    },
  );
}
