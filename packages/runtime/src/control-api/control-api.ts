import { z } from 'zod';
import type { DestinationStream } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { ServiceStatus, SystemStatus } from '@opsloop/contracts';
import {
  answerFlagsRequest,
  FlagDefinitionError,
  FlagsArgumentError,
  UnknownFlagError,
  type FlagStore,
} from '@opsloop/flags';
import type {
  AnomalyEventFilter,
  AnomalyEvent,
  LiveSeriesStatus,
  LogEvent,
  TemplateSummary,
} from '@opsloop/aiops';
import type { Decision } from '../autoscale/autoscaler.js';
import type { RolloutActionName, RolloutStatus } from '../reconcile/rollout-status.js';
import type { ReleaseStatus } from '../reconcile/release-run.js';
import type { LogStream } from '../logs/log-sink.js';
import type { EventLog } from '../observe/event-log.js';
import { PassThrough } from 'node:stream';
import { SecretsError } from '../secrets/errors.js';
import type { SecretMetadata } from '../secrets/secret-store.js';
import { ApplyError, describeChange, type ServiceChange } from '../reconcile/spec-diff.js';
import { parseSpec, SpecError } from '../spec/load-spec.js';
import type { SystemSpec } from '../spec/schema.js';
import { registerBrokerRoutes, type BrokerApi } from '@opsloop/bus';
import { createService, parseInput, ProblemError, type Service } from '@opsloop/kit';
import type { EndpointRegistry } from '../registry/registry.js';
import { registerAiopsRoutes, type ChaosApi, type IncidentApi } from './aiops-routes.js';
import { registerBackupRoutes, type BackupApi } from './backup-routes.js';
import { loadDashboardAssets, registerDashboardRoutes } from './dashboard-assets.js';
import { registerEventStream } from './event-stream.js';
import { registerSignalsRoute } from './signals-route.js';
import { resultOf, type AuditLog } from './audit-log.js';
import { TokenError, USER_ROLES, type Role, type TokenIdentity, type TokenStore } from './tokens.js';

/** Options of {@link createControlApi}. */
export interface ControlApiOptions {
  port: number;
  tokens: TokenStore;
  registry: EndpointRegistry;
  status(): SystemStatus;
  /** Called by `POST /v1/shutdown`; the runtime stops after the response is sent. */
  requestShutdown(): void;
  logDestination?: DestinationStream;
  /** The embedded event broker to serve under `/v1/bus/…`, with the token replicas use for it. */
  bus?: { broker: BrokerApi; token: string };
  /** Where every mutating or refused call is recorded. */
  audit?: AuditLog;
  /** Persists the API-made tokens after a change (the runtime writes `tokens.json`). */
  saveTokens?: () => Promise<void>;
  /** Changes a service's replica count (`POST /v1/services/{service}/scale`). */
  scale?: (service: string, replicas: number) => Promise<ServiceStatus>;
  /** The encrypted secrets (admin only; values go in, never out). */
  secrets?: {
    list(): Promise<SecretMetadata[]>;
    set(name: string, data: Record<string, string>): Promise<{ secret: SecretMetadata; rolled: string[] }>;
    delete(name: string): Promise<boolean>;
  };
  /** The runtime's event log (`GET /v1/events`, and as server-sent events `GET /v1/stream`). */
  events?: EventLog;
  /** Limits of `GET /v1/stream`: keep-alive comment interval (15 s) and open streams (32). */
  stream?: { keepAliveMs?: number; maxStreams?: number };
  /**
   * The web dashboard's built bundle, served without a token at `/` (absent: not served; a directory without
   * `index.html`: `GET /` answers 503).
   */
  dashboard?: { dir: string };
  /** Replica output of a service (`GET /v1/services/{service}/logs`), already redacted. */
  logs?: {
    replicasOf(service: string): string[] | undefined;
    tail(replica: string): readonly string[];
    follow(listener: (replica: string, stream: LogStream, line: string) => void): () => void;
  };
  /** Everything about one service for `opsloop describe` (spec with sensitive values masked). */
  describe?: (service: string) => unknown;
  /** Rollout status and commands of a service. */
  /** The latest release of each release group. */
  releases?: () => ReleaseStatus[];
  rollout?: {
    status(service: string): RolloutStatus;
    action(service: string, action: RolloutActionName, toRevision?: string): Promise<RolloutStatus>;
  };
  /** Live anomaly detection on the golden signals (`GET /v1/anomalies`); absent when it is off. */
  anomalies?: {
    events(filter: AnomalyEventFilter): AnomalyEvent[];
    series(): LiveSeriesStatus[];
  };
  /** Log intelligence (`GET /v1/services/{service}/log-templates`, `GET /v1/log-events`); absent when off. */
  logInsights?: {
    templates(service: string): TemplateSummary[] | undefined;
    recentEvents(filter: { service?: string; limit?: number }): LogEvent[];
  };
  /** Backups and restores (`/v1/backups…`); absent when the runtime runs without them. */
  backups?: BackupApi;
  /** Fault injection (`/v1/chaos/…`); absent when the runtime runs without it. */
  chaos?: ChaosApi;
  /** Incidents and remediation proposals (`/v1/incidents…`); absent when off. */
  incidents?: IncidentApi;
  /** The autoscaler's decisions of a service (undefined when it is not autoscaled). */
  autoscalingHistory?: (service: string) => Decision[] | undefined;
  /** The feature flags served at `/v1/flags` (read: viewer+ and replicas; change: operator+). */
  flags?: FlagStore;
  /** Makes a new spec the desired state (`POST /v1/apply`). */
  apply?: (spec: SystemSpec, dryRun: boolean) => Promise<ServiceChange[]>;
  /**
   * The embedded telemetry backend's routes (Prometheus, Loki and OTLP APIs): queries for readers, ingest
   * (`ingestRoutes`) for operators and replicas (their discovery token).
   */
  telemetry?: {
    registerRoutes(app: FastifyInstance): Promise<void>;
    /** Paths that ingest (OTLP, Loki push): operators and replicas (discovery tokens). */
    ingestRoutes: readonly string[];
    /** `METHOD path` of routes that change state (silences): operators only. */
    operatorRoutes?: readonly string[];
  };
}

/** Thrown by {@link ControlApiOptions.scale} for an unknown service or a count it refuses. */
export class ScaleError extends Error {
  override readonly name = 'ScaleError';
  constructor(
    message: string,
    readonly kind: 'not-found' | 'invalid',
  ) {
    super(message);
  }
}

/** Routes readable by every user role; mutating ones name their roles explicitly. */
const READERS: readonly Role[] = ['admin', 'operator', 'viewer'];
const OPERATORS: readonly Role[] = ['admin', 'operator'];
const ADMINS: readonly Role[] = ['admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route; routes without it are public (health only). */
    roles?: readonly Role[];
  }
}

const serviceParams = z.object({ service: z.string().min(1).max(63) });

const watchQuery = z.object({
  watch: z.coerce.number().int().min(0).optional(),
  timeoutSeconds: z.coerce.number().int().min(1).max(300).default(30),
});

/**
 * A replica names its own service (`caller`) so that a circuit the runtime opened from it is seen. Any
 * replica may claim any name: the answer only changes what the claimant itself is told.
 */
/** A service name as the spec allows it (a DNS label); discovery also takes `<service>.preview`. */
const SERVICE_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';

const endpointsQuery = watchQuery.extend({
  caller: z
    .string()
    .regex(new RegExp(`^${SERVICE_LABEL}$`), 'expected a service name')
    .optional(),
});

/**
 * The runtime's control API on loopback: status, endpoints for discovery (long-poll watch) and shutdown.
 * Every route except health requires a bearer token whose role is allowed for it.
 */
export async function createControlApi(options: ControlApiOptions): Promise<Service> {
  const dashboard = options.dashboard && (await loadDashboardAssets(options.dashboard.dir));
  return createService({
    name: 'control-api',
    version: '0.1.0',
    env: { PORT: String(options.port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '2000' },
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    setup({ app }) {
      const actors = new WeakMap<object, TokenIdentity>();
      const summaries = new WeakMap<object, string>();
      app.addHook('onRequest', (request, _reply, done) => {
        const roles = request.routeOptions.config.roles;
        if (roles === undefined) return done();
        const identity = options.tokens.identify(request.headers.authorization);
        if (identity !== undefined) actors.set(request, identity);
        const role = identity?.role;
        if (role === undefined) {
          return done(
            new ProblemError('unauthorized', { headers: { 'www-authenticate': 'Bearer realm="opsloop"' } }),
          );
        }
        if (!roles.includes(role)) {
          return done(
            new ProblemError('forbidden', {
              detail: `role ${role} may not call ${request.method} ${request.routeOptions.url ?? ''}`,
            }),
          );
        }
        done();
      });

      // Who did what, when, and how it ended: every call that changes something, and every refusal.
      app.addHook('onResponse', async (request, reply) => {
        const audit = options.audit;
        if (audit === undefined || request.routeOptions.config.roles === undefined) return;
        const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
        const refused = reply.statusCode === 401 || reply.statusCode === 403;
        if (!mutating && !refused) return;
        const actor = actors.get(request);
        const summary = summaries.get(request);
        await audit
          .append({
            at: new Date().toISOString(),
            actor: actor === undefined ? null : { name: actor.name, role: actor.role },
            method: request.method,
            route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
            params: Object.fromEntries(
              Object.entries((request.params ?? {}) as Record<string, unknown>).map(([k, v]) => [
                k,
                String(v),
              ]),
            ),
            status: reply.statusCode,
            result: resultOf(reply.statusCode),
            ...(summary === undefined ? {} : { summary }),
          })
          .catch((error: unknown) => request.log.error({ err: error }, 'cannot write the audit log'));
      });

      app.get('/v1/status', { config: { roles: READERS } }, () => options.status());

      // Who the caller is (the dashboard shows it and hides what the role may not do).
      app.get('/v1/whoami', { config: { roles: [...READERS, 'discovery'] } }, (request) => {
        const identity = actors.get(request);
        if (identity === undefined) throw new ProblemError('unauthorized');
        return { name: identity.name, role: identity.role };
      });

      registerSignalsRoute(app, READERS);
      if (dashboard !== undefined) registerDashboardRoutes(app, dashboard);

      app.get('/v1/endpoints/:service', { config: { roles: [...READERS, 'discovery'] } }, async (request) => {
        const { service } = parseInput(
          // A service name, or `<service>.preview`: a blue-green rollout's preview name.
          z.object({
            service: z
              .string()
              .regex(new RegExp(`^${SERVICE_LABEL}(\\.preview)?$`), 'expected a service name'),
          }),
          request.params,
          'path',
        );
        const query = parseInput(endpointsQuery, request.query, 'query');
        if (query.watch === undefined) return options.registry.list(service, query.caller);
        const abort = new AbortController();
        request.raw.once('close', () => abort.abort());
        return options.registry.watch(
          service,
          query.watch,
          query.timeoutSeconds * 1000,
          abort.signal,
          query.caller,
        );
      });

      // The broker checks its own token: a replica's bus token grants the bus and nothing else.
      if (options.bus) registerBrokerRoutes(app, options.bus.broker, { token: options.bus.token });
      const telemetry = options.telemetry;
      if (telemetry) {
        void app.register(async (scope) => {
          // Every telemetry route gets its roles here: the plugins are shared with other hosts and know none.
          scope.addHook('onRoute', (route) => {
            const url = route.url ?? '';
            const methods = Array.isArray(route.method) ? route.method : [route.method];
            const ingest = telemetry.ingestRoutes.includes(url);
            const operate = methods.some((m) => telemetry.operatorRoutes?.includes(`${m} ${url}`));
            route.config = {
              ...route.config,
              roles: ingest ? [...OPERATORS, 'discovery'] : operate ? OPERATORS : READERS,
            };
          });
          await telemetry.registerRoutes(scope);
        });
      }

      app.post('/v1/services/:service/scale', { config: { roles: OPERATORS } }, async (request) => {
        const { service } = parseInput(serviceParams, request.params, 'path');
        const { replicas } = parseInput(
          z.strictObject({
            replicas: z
              .number({ error: 'expected an integer from 0 to 100' })
              .int('expected an integer from 0 to 100')
              .min(0, 'expected an integer from 0 to 100')
              .max(100, 'expected an integer from 0 to 100'),
          }),
          request.body,
          'body',
        );
        if (options.scale === undefined)
          throw new ProblemError('resourceNotFound', { detail: 'scaling is not available' });
        try {
          const status = await options.scale(service, replicas);
          summaries.set(request, `${service} scaled to ${replicas}`);
          return status;
        } catch (error) {
          if (error instanceof ScaleError)
            throw new ProblemError(error.kind === 'not-found' ? 'resourceNotFound' : 'conflict', {
              detail: error.message,
            });
          throw error;
        }
      });

      app.post('/v1/apply', { config: { roles: ADMINS } }, async (request) => {
        const body = parseInput(
          z.strictObject({
            /** The spec as YAML (or JSON) text, as in opsloop.yaml. */
            spec: z.string().min(1).max(1_000_000),
            /** A name for messages (the file the CLI read). */
            file: z.string().max(500).default('opsloop.yaml'),
            dryRun: z.boolean().default(false),
          }),
          request.body,
          'body',
        );
        if (options.apply === undefined)
          throw new ProblemError('resourceNotFound', { detail: 'apply is not available' });
        let spec: SystemSpec;
        try {
          spec = parseSpec(body.spec, body.file);
        } catch (error) {
          if (error instanceof SpecError)
            throw new ProblemError('validationFailed', {
              detail: error.message,
              extensions: { errors: error.problems.map((problem) => ({ message: problem })) },
            });
          throw error;
        }
        try {
          const changes = await options.apply(spec, body.dryRun);
          if (!body.dryRun && changes.length > 0)
            summaries.set(request, changes.map(describeChange).join('; ').slice(0, 500));
          return { dryRun: body.dryRun, changes };
        } catch (error) {
          if (error instanceof ApplyError) throw new ProblemError('conflict', { detail: error.message });
          throw error;
        }
      });

      const flags = options.flags;
      if (flags !== undefined) {
        const flagProblem = (error: unknown): never => {
          if (error instanceof UnknownFlagError)
            throw new ProblemError('resourceNotFound', { detail: error.message });
          if (error instanceof FlagDefinitionError)
            throw new ProblemError('validationFailed', {
              detail: error.message,
              extensions: { errors: error.issues.map((i) => ({ path: i.path, message: i.message })) },
            });
          throw error;
        };

        // Replicas read flags with their discovery token; `?watch=<rv>` long-polls (204 when unchanged).
        app.get('/v1/flags', { config: { roles: [...READERS, 'discovery'] } }, async (request, reply) => {
          const abort = new AbortController();
          // The reply's close (not the request's) tells that the client went away.
          reply.raw.once('close', () => abort.abort());
          const query = new URLSearchParams(request.url.split('?')[1] ?? '');
          try {
            const answer = await answerFlagsRequest(flags, query, abort.signal);
            if (answer.status === 204) return reply.code(204).send();
            return answer.body;
          } catch (error) {
            if (error instanceof FlagsArgumentError)
              throw new ProblemError('validationFailed', { detail: error.message });
            throw error;
          }
        });

        app.patch('/v1/flags/:key', { config: { roles: OPERATORS } }, (request) => {
          const { key } = parseInput(z.object({ key: z.string().min(1).max(200) }), request.params, 'path');
          const change = parseInput(
            z
              .strictObject({
                defaultVariant: z.string().min(1).max(200).optional(),
                state: z.enum(['ENABLED', 'DISABLED']).optional(),
              })
              .refine((c) => c.defaultVariant !== undefined || c.state !== undefined, {
                message: 'expected defaultVariant and/or state',
              }),
            request.body,
            'body',
          );
          try {
            const snapshot = flags.set(key, change);
            summaries.set(
              request,
              `flag ${key}: ${[change.state, change.defaultVariant && `default ${change.defaultVariant}`].filter(Boolean).join(', ')}`,
            );
            return { resourceVersion: snapshot.resourceVersion, flag: flags.get(key) };
          } catch (error) {
            return flagProblem(error);
          }
        });

        app.put('/v1/flags', { config: { roles: OPERATORS } }, (request) => {
          try {
            const snapshot = flags.replace(request.body);
            summaries.set(request, `flags replaced (${Object.keys(flags.list()).length} flags)`);
            return snapshot;
          } catch (error) {
            return flagProblem(error);
          }
        });
      }

      const secretStore = options.secrets;
      if (secretStore !== undefined) {
        const secretProblem = (error: unknown): never => {
          if (error instanceof ApplyError) throw new ProblemError('conflict', { detail: error.message });
          // Secrets errors never carry a value (the module guarantees it), so their message is safe to show.
          if (error instanceof SecretsError)
            throw new ProblemError('validationFailed', { detail: error.message });
          throw error;
        };
        const nameParams = z.object({ name: z.string().min(1).max(253) });
        app.get('/v1/secrets', { config: { roles: ADMINS } }, async () => {
          try {
            return { secrets: await secretStore.list() };
          } catch (error) {
            return secretProblem(error);
          }
        });
        app.put('/v1/secrets/:name', { config: { roles: ADMINS } }, async (request) => {
          const { name } = parseInput(nameParams, request.params, 'path');
          const { data } = parseInput(
            z.strictObject({ data: z.record(z.string(), z.string()) }),
            request.body,
            'body',
          );
          try {
            const result = await secretStore.set(name, data);
            summaries.set(
              request,
              `secret ${name} set (revision ${result.secret.revision}; keys ${Object.keys(data).join(', ')})${
                result.rolled.length > 0 ? `; rolling ${result.rolled.join(', ')}` : ''
              }`,
            );
            return result;
          } catch (error) {
            return secretProblem(error);
          }
        });
        app.delete('/v1/secrets/:name', { config: { roles: ADMINS } }, async (request, reply) => {
          const { name } = parseInput(nameParams, request.params, 'path');
          try {
            if (!(await secretStore.delete(name)))
              throw new ProblemError('resourceNotFound', { detail: `no secret named "${name}"` });
          } catch (error) {
            return secretProblem(error);
          }
          summaries.set(request, `secret ${name} deleted`);
          return reply.code(204).send();
        });
      }

      const eventLog = options.events;
      if (eventLog !== undefined) {
        app.get('/v1/events', { config: { roles: READERS } }, async (request) => {
          const query = parseInput(
            z.object({
              after: z.coerce.number().int().min(0).default(0),
              service: z.string().min(1).max(63).optional(),
              watch: z.coerce.number().int().min(1).max(60).optional(),
              limit: z.coerce.number().int().min(1).max(2000).default(500),
            }),
            request.query,
            'query',
          );
          if (query.watch !== undefined) {
            const abort = new AbortController();
            request.raw.once('close', () => abort.abort());
            await eventLog.waitFor(query.after, query.watch * 1000, abort.signal);
          }
          const events = eventLog
            .since(query.after)
            .filter((e) => query.service === undefined || ('service' in e && e.service === query.service))
            .slice(-query.limit);
          return { events, last: eventLog.last() };
        });
        registerEventStream(app, { events: eventLog, roles: READERS, ...options.stream });
      }

      const logSource = options.logs;
      if (logSource !== undefined) {
        app.get('/v1/services/:service/logs', { config: { roles: READERS } }, (request, reply) => {
          const { service } = parseInput(serviceParams, request.params, 'path');
          const query = parseInput(
            z.object({
              tail: z.coerce.number().int().min(0).max(200).default(50),
              follow: z.enum(['true', 'false', '1', '0']).default('false'),
            }),
            request.query,
            'query',
          );
          const replicas = logSource.replicasOf(service);
          if (replicas === undefined)
            throw new ProblemError('resourceNotFound', { detail: `no service named "${service}"` });
          const out = new PassThrough();
          // An empty line first: it sends the headers now, so a follower is connected before any output.
          out.write('\n');
          const send = (replica: string, stream: LogStream, line: string) =>
            out.write(`${JSON.stringify({ replica, stream, line })}\n`);
          for (const replica of replicas)
            for (const line of logSource.tail(replica).slice(-query.tail)) send(replica, 'stdout', line);
          if (query.follow === 'true' || query.follow === '1') {
            // Replicas are `<service>-<ordinal>`: `cart` must not follow `cart-api-1`.
            const ours = (replica: string) =>
              replica.startsWith(`${service}-`) && /^\d+$/.test(replica.slice(service.length + 1));
            const stop = logSource.follow((replica, stream, line) => {
              if (ours(replica)) send(replica, stream, line);
            });
            reply.raw.once('close', () => {
              stop();
              out.end();
            });
          } else {
            out.end();
          }
          return reply.type('application/x-ndjson').send(out);
        });
      }

      const describeService = options.describe;
      if (describeService !== undefined) {
        app.get('/v1/services/:service', { config: { roles: READERS } }, (request) => {
          const { service } = parseInput(serviceParams, request.params, 'path');
          const described = describeService(service);
          if (described === undefined)
            throw new ProblemError('resourceNotFound', { detail: `no service named "${service}"` });
          return described;
        });
      }

      const releases = options.releases;
      if (releases !== undefined)
        app.get('/v1/releases', { config: { roles: READERS } }, () => ({ releases: releases() }));

      const rollout = options.rollout;
      if (rollout !== undefined) {
        const scaleProblem = (error: unknown): never => {
          if (error instanceof ScaleError)
            throw new ProblemError(error.kind === 'not-found' ? 'resourceNotFound' : 'conflict', {
              detail: error.message,
            });
          throw error;
        };
        app.get('/v1/services/:service/rollout', { config: { roles: READERS } }, (request) => {
          const { service } = parseInput(serviceParams, request.params, 'path');
          try {
            return rollout.status(service);
          } catch (error) {
            return scaleProblem(error);
          }
        });
        app.post(
          '/v1/services/:service/rollout/:action',
          { config: { roles: OPERATORS } },
          async (request) => {
            const { service, action } = parseInput(
              serviceParams.extend({
                action: z.enum(['pause', 'resume', 'undo', 'restart', 'promote', 'promote-full', 'abort'], {
                  error: 'expected pause, resume, undo, restart, promote, promote-full or abort',
                }),
              }),
              request.params,
              'path',
            );
            const body = parseInput(
              z.strictObject({
                toRevision: z
                  .string()
                  .regex(/^[0-9a-f]{10}$/, 'expected a revision')
                  .optional(),
              }),
              request.body ?? {},
              'body',
            );
            try {
              const status = await rollout.action(service, action, body.toRevision);
              summaries.set(
                request,
                `${service}: rollout ${action}${body.toRevision ? ` to ${body.toRevision}` : ''}`,
              );
              return status;
            } catch (error) {
              return scaleProblem(error);
            }
          },
        );
      }

      const anomalies = () => {
        if (options.anomalies === undefined)
          throw new ProblemError('resourceNotFound', {
            detail:
              'live anomaly detection is off (runtime.aiops.detection.enabled or runtime.telemetry.enabled)',
          });
        return options.anomalies;
      };
      app.get('/v1/anomalies', { config: { roles: READERS } }, (request) => {
        const query = parseInput(
          z.strictObject({
            service: z.string().min(1).max(63).optional(),
            state: z.enum(['firing', 'resolved'], { error: 'expected firing or resolved' }).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          request.query,
          'query',
        );
        return {
          anomalies: anomalies().events({
            limit: query.limit,
            ...(query.service === undefined ? {} : { service: query.service }),
            ...(query.state === undefined ? {} : { state: query.state }),
          }),
        };
      });
      app.get('/v1/anomalies/series', { config: { roles: READERS } }, (request) => {
        const { service } = parseInput(
          z.strictObject({ service: z.string().min(1).max(63).optional() }),
          request.query,
          'query',
        );
        const series = anomalies().series();
        return { series: service === undefined ? series : series.filter((s) => s.service === service) };
      });

      const logInsights = () => {
        if (options.logInsights === undefined)
          throw new ProblemError('resourceNotFound', {
            detail: 'log mining is off (runtime.aiops.logs.enabled or runtime.telemetry.enabled)',
          });
        return options.logInsights;
      };
      app.get('/v1/services/:service/log-templates', { config: { roles: READERS } }, (request) => {
        const { service } = parseInput(serviceParams, request.params, 'path');
        const { limit } = parseInput(
          z.strictObject({ limit: z.coerce.number().int().min(1).max(5000).default(100) }),
          request.query,
          'query',
        );
        const templates = logInsights().templates(service);
        if (templates === undefined)
          throw new ProblemError('resourceNotFound', { detail: `no log lines of "${service}" seen` });
        return { service, total: templates.length, templates: templates.slice(0, limit) };
      });
      app.get('/v1/log-events', { config: { roles: READERS } }, (request) => {
        const query = parseInput(
          z.strictObject({
            service: z.string().min(1).max(63).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          request.query,
          'query',
        );
        return {
          events: logInsights().recentEvents({
            limit: query.limit,
            ...(query.service === undefined ? {} : { service: query.service }),
          }),
        };
      });

      if (options.backups !== undefined)
        registerBackupRoutes(app, {
          backups: options.backups,
          readers: READERS,
          operators: OPERATORS,
          admins: ADMINS,
          summarise: (request, summary) => summaries.set(request, summary),
        });
      registerAiopsRoutes(app, {
        ...(options.chaos ? { chaos: options.chaos } : {}),
        ...(options.incidents ? { incidents: options.incidents } : {}),
        readers: READERS,
        operators: OPERATORS,
        actorOf: (request) => actors.get(request),
        summarise: (request, summary) => summaries.set(request, summary),
      });

      app.get('/v1/services/:service/autoscaling', { config: { roles: READERS } }, (request) => {
        const { service } = parseInput(serviceParams, request.params, 'path');
        const decisions = options.autoscalingHistory?.(service);
        if (decisions === undefined)
          throw new ProblemError('resourceNotFound', { detail: `service "${service}" is not autoscaled` });
        return { service, decisions };
      });

      app.get('/v1/tokens', { config: { roles: ADMINS } }, () => ({ tokens: options.tokens.list() }));

      app.post('/v1/tokens', { config: { roles: ADMINS } }, async (request, reply) => {
        const body = parseInput(
          z.strictObject({
            name: z.string().min(1).max(63),
            role: z.enum(USER_ROLES, { error: `expected one of ${USER_ROLES.join(', ')}` }),
            ttlSeconds: z
              .number()
              .int()
              .min(60)
              .max(366 * 24 * 3600)
              .optional(),
          }),
          request.body,
          'body',
        );
        try {
          const { token, info } = options.tokens.create(body.name, body.role, body.ttlSeconds);
          await options.saveTokens?.();
          summaries.set(request, `token ${info.name} (${info.role}) created`);
          return reply.code(201).send({ ...info, token });
        } catch (error) {
          if (error instanceof TokenError) throw new ProblemError('conflict', { detail: error.message });
          throw error;
        }
      });

      app.delete('/v1/tokens/:name', { config: { roles: ADMINS } }, async (request, reply) => {
        const { name } = parseInput(z.object({ name: z.string().min(1).max(63) }), request.params, 'path');
        if (!options.tokens.revoke(name))
          throw new ProblemError('resourceNotFound', { detail: `no API token named "${name}"` });
        await options.saveTokens?.();
        summaries.set(request, `token ${name} revoked`);
        return reply.code(204).send();
      });

      app.get('/v1/audit', { config: { roles: ADMINS } }, async (request) => {
        const { limit } = parseInput(
          z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
          request.query,
          'query',
        );
        return { records: options.audit === undefined ? [] : await options.audit.tail(limit) };
      });

      app.post('/v1/shutdown', { config: { roles: ADMINS } }, (_request, reply) => {
        reply.raw.once('finish', () => options.requestShutdown());
        return reply.code(202).send({ status: 'shutting down' });
      });
    },
  });
}
