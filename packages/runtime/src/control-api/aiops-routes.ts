import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import type { Role, TokenIdentity } from './tokens.js';

/**
 * A request the chaos or incident side refused: the route answers with the matching problem (`failed`: the
 * replicas or platform it went to failed it, 502).
 */
export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not-found' | 'conflict' | 'failed',
  ) {
    super(message);
  }
}

/** What `opsloop chaos …` reaches: the fault library and its injections. */
export interface ChaosApi {
  /** The fault catalogue (names, summaries, parameters). */
  faults(): unknown[];
  /** Injections, newest first. */
  list(): unknown[];
  get(id: string): unknown;
  /** Starts an injection; throws {@link ControlRequestError} for bad input or a failed injection. */
  inject(request: ChaosInjectRequest): Promise<unknown>;
  /** Ends an injection now; undefined for an unknown id. */
  clear(id: string): Promise<unknown>;
}

/** The body of `POST /v1/chaos/injections`. */
export interface ChaosInjectRequest {
  fault: string;
  target: string;
  replica?: string;
  params: Record<string, string>;
  durationMs?: number;
}

/** What `opsloop incidents …` reaches: incidents and the remediation proposals waiting for a person. */
export interface IncidentApi {
  list(filter: { status?: string; limit: number }): unknown[];
  get(id: string): unknown;
  /** Remediation proposals (suggest mode) waiting for approval. */
  proposals(): unknown[];
  approve(id: string, by: string): Promise<unknown>;
  reject(id: string, by: string, reason: string): Promise<unknown>;
}

/** What {@link registerAiopsRoutes} needs from the control API. */
export interface AiopsRoutesOptions {
  chaos?: ChaosApi;
  incidents?: IncidentApi;
  readers: readonly Role[];
  operators: readonly Role[];
  /** The caller of a request (its token). */
  actorOf(request: FastifyRequest): TokenIdentity | undefined;
  /** Says in a few words what a call changed (for the audit log). */
  summarise(request: FastifyRequest, summary: string): void;
}

const idParams = z.object({ id: z.string().min(1).max(128) });
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'expected a lowercase name (letters, digits, dashes)');

const injectBody = z.strictObject({
  fault: z.string().min(1).max(63),
  target: name,
  replica: z.string().min(1).max(80).optional(),
  params: z
    .record(z.string().min(1).max(63), z.union([z.string().max(500), z.number(), z.boolean()]))
    .default({}),
  durationSeconds: z.number().positive().max(86_400, 'at most a day (86400 s)').optional(),
});

function problemOf(error: unknown): never {
  if (error instanceof ControlRequestError) {
    const type =
      error.kind === 'invalid'
        ? 'validationFailed'
        : error.kind === 'not-found'
          ? 'resourceNotFound'
          : error.kind === 'conflict'
            ? 'conflict'
            : 'badGateway';
    throw new ProblemError(type, { detail: error.message });
  }
  throw error;
}

/**
 * Chaos (`/v1/chaos/…`: operators inject and clear, readers look) and incidents (`/v1/incidents…`,
 * `/v1/remediation/proposals…`: operators approve or reject suggested actions). Each family answers 404
 * problem+json when the runtime runs without it.
 */
export function registerAiopsRoutes(app: FastifyInstance, options: AiopsRoutesOptions): void {
  const { readers, operators } = options;
  const chaos = () => {
    if (options.chaos === undefined)
      throw new ProblemError('resourceNotFound', { detail: 'fault injection is not available' });
    return options.chaos;
  };
  const incidents = () => {
    if (options.incidents === undefined)
      throw new ProblemError('resourceNotFound', {
        detail: 'incidents are off (runtime.aiops.incidents.enabled or runtime.telemetry.enabled)',
      });
    return options.incidents;
  };

  app.get('/v1/chaos/faults', { config: { roles: readers } }, () => ({ faults: chaos().faults() }));
  app.get('/v1/chaos/injections', { config: { roles: readers } }, () => ({
    injections: chaos().list(),
  }));
  app.get('/v1/chaos/injections/:id', { config: { roles: readers } }, (request) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const injection = chaos().get(id);
    if (injection === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no injection with id "${id}"` });
    return injection;
  });
  app.post('/v1/chaos/injections', { config: { roles: operators } }, async (request, reply) => {
    const body = parseInput(injectBody, request.body ?? {}, 'body');
    try {
      const injection = (await chaos().inject({
        fault: body.fault,
        target: body.target,
        ...(body.replica === undefined ? {} : { replica: body.replica }),
        params: Object.fromEntries(Object.entries(body.params).map(([k, v]) => [k, String(v)])),
        ...(body.durationSeconds === undefined
          ? {}
          : { durationMs: Math.round(body.durationSeconds * 1000) }),
      })) as { id?: string };
      options.summarise(
        request,
        `chaos ${body.fault} injected into ${body.replica ?? body.target} (${injection.id ?? '?'})`,
      );
      return reply.code(201).send(injection);
    } catch (error) {
      return problemOf(error);
    }
  });
  app.delete('/v1/chaos/injections/:id', { config: { roles: operators } }, async (request) => {
    const { id } = parseInput(idParams, request.params, 'path');
    let injection: unknown;
    try {
      injection = await chaos().clear(id);
    } catch (error) {
      return problemOf(error);
    }
    if (injection === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no injection with id "${id}"` });
    options.summarise(request, `chaos injection ${id} cleared`);
    return injection;
  });

  app.get('/v1/incidents', { config: { roles: readers } }, (request) => {
    const query = parseInput(
      z.strictObject({
        status: z
          .enum(['open', 'mitigating', 'resolved', 'escalated', 'active'], {
            error: 'expected open, mitigating, resolved, escalated or active',
          })
          .optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      request.query,
      'query',
    );
    return {
      incidents: incidents().list({
        limit: query.limit,
        ...(query.status === undefined ? {} : { status: query.status }),
      }),
    };
  });
  app.get('/v1/incidents/:id', { config: { roles: readers } }, (request) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const incident = incidents().get(id);
    if (incident === undefined)
      throw new ProblemError('resourceNotFound', { detail: `no incident with id "${id}"` });
    return incident;
  });
  app.get('/v1/remediation/proposals', { config: { roles: readers } }, () => ({
    proposals: incidents().proposals(),
  }));
  app.post('/v1/remediation/proposals/:id/:decision', { config: { roles: operators } }, async (request) => {
    const { id, decision } = parseInput(
      idParams.extend({
        decision: z.enum(['approve', 'reject'], { error: 'expected approve or reject' }),
      }),
      request.params,
      'path',
    );
    const { reason } = parseInput(
      z.strictObject({ reason: z.string().min(1).max(500).optional() }),
      request.body ?? {},
      'body',
    );
    const by = options.actorOf(request)?.name ?? 'unknown';
    try {
      const result =
        decision === 'approve'
          ? await incidents().approve(id, by)
          : await incidents().reject(id, by, reason ?? 'rejected');
      options.summarise(
        request,
        `remediation proposal ${id} ${decision === 'approve' ? 'approved' : 'rejected'}`,
      );
      return result;
    } catch (error) {
      return problemOf(error);
    }
  });
}
