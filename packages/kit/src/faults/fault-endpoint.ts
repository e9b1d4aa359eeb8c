import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import { ProblemError } from '../problem.js';
import { parseInput } from '../validate.js';
import type { FaultRegistry } from './fault-registry.js';
import { faultSpecSchema, type ActiveFault, type FaultList } from './fault-spec.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The kit's internal routes (probes, /metrics, faults): never measured, never faulted by `http` faults. */
    internal?: boolean;
  }
}

/** Where the fault endpoint lives. */
export const FAULTS_PATH = '/internal/faults';

/** Options of {@link installFaultEndpoint}. */
export interface FaultEndpointOptions {
  /** The bearer token callers must present (`OPSLOOP_FAULT_TOKEN`). */
  token: string;
  registry: FaultRegistry;
  log: Logger;
  /** Ends the process for a `crash` fault; `process.exit` by default (tests replace it). */
  exit?: (code: number) => void;
  /** Stamps a crash's `startedAt`; the system clock by default. */
  clock?: Clock;
}

const INTERNAL_ROUTE = { internal: true } as const;
/** A crash waits at most this long for its 202 to be written before exiting anyway. */
const CRASH_FLUSH_MS = 500;

const idParamsSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 . _ -'),
});

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Registers the fault endpoint (`/internal/faults`): POST injects a fault (201; a crash answers 202 and
 * then ends the process abruptly), GET lists them, DELETE `/:id` removes one (404 if unknown), DELETE
 * clears all (204). Every route wants `Authorization: Bearer <token>` (compared in constant time; 401
 * problem otherwise) and is internal: never faulted by `http` faults, never measured.
 */
export function installFaultEndpoint(app: FastifyInstance, options: FaultEndpointOptions): void {
  const { registry, log } = options;
  const clock = options.clock ?? systemClock;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  // Hashing both sides gives equal lengths, which timingSafeEqual needs, without leaking the token's length.
  const expected = digest(options.token);

  const authorize: onRequestHookHandler = (request, _reply, done) => {
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      done();
      return;
    }
    done(
      new ProblemError('unauthorized', {
        detail: 'send Authorization: Bearer <fault token>',
        headers: { 'www-authenticate': 'Bearer' },
      }),
    );
  };

  app.post(FAULTS_PATH, { config: INTERNAL_ROUTE, onRequest: authorize }, async (request, reply) => {
    const spec = parseInput(faultSpecSchema, request.body, 'body');
    if (spec.kind !== 'crash') return reply.code(201).send(registry.add(spec));
    const fault: ActiveFault = {
      id: spec.id ?? `crash-${clock.now()}`,
      kind: 'crash',
      point: spec.point,
      params: { ...spec.params },
      startedAt: new Date(clock.now()).toISOString(),
    };
    log.warn(
      { chaos: true, fault_id: fault.id, kind: fault.kind, point: fault.point, params: fault.params },
      'fault injected',
    );
    // The answer goes out first; then the process ends at once: no drain, no shutdown hooks.
    let crashed = false;
    const crash = () => {
      if (crashed) return;
      crashed = true;
      setImmediate(() => exit(spec.params.exitCode));
    };
    reply.raw.once('finish', crash);
    reply.raw.once('close', crash);
    setTimeout(crash, CRASH_FLUSH_MS).unref();
    return reply.code(202).send(fault);
  });

  app.get(FAULTS_PATH, { config: INTERNAL_ROUTE, onRequest: authorize }, (): FaultList => ({
    faults: registry.list(),
  }));

  app.delete(
    `${FAULTS_PATH}/:id`,
    { config: INTERNAL_ROUTE, onRequest: authorize },
    async (request, reply) => {
      const { id } = parseInput(idParamsSchema, request.params, 'path');
      if (!registry.remove(id))
        throw new ProblemError('resourceNotFound', { detail: `no active fault ${id}` });
      return reply.code(204).send();
    },
  );

  app.delete(FAULTS_PATH, { config: INTERNAL_ROUTE, onRequest: authorize }, async (_request, reply) => {
    registry.clear();
    return reply.code(204).send();
  });
}

/**
 * Logs every fault added to or removed from `registry` at warn level (`fault injected`, `fault cleared`
 * with id, kind, point, params and, for removals, the reason: deleted, expired, replaced or cleared).
 * Returns the unsubscribe function.
 */
export function logFaultChanges(registry: FaultRegistry, log: Logger): () => void {
  return registry.subscribe((event) => {
    const { fault } = event;
    // `chaos: true` marks the lines of the fault tooling itself: the platform's log mining skips them (a
    // detector that read "fault injected" would be told the answer).
    const fields = {
      chaos: true,
      fault_id: fault.id,
      kind: fault.kind,
      point: fault.point,
      params: fault.params,
    };
    if (event.type === 'added') log.warn(fields, 'fault injected');
    else log.warn({ ...fields, reason: event.reason }, 'fault cleared');
  });
}
