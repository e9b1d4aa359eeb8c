import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { hostname } from 'node:os';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { z } from 'zod';
import { baseConfigSchema, loadConfig, type BaseConfig } from './config.js';
import { installProblemHandlers, sendProblem, toProblemError } from './error-handler.js';
import { createReadiness, type Readiness } from './health.js';
import { refuseCleartextRpc } from './cleartext-rpc-refusal.js';
import { FAULT_ERROR_RATE_ENV, installFaultInjection } from './fault-injection.js';
import { currentFaultRegistry, setCurrentFaultRegistry } from './faults/current-fault-registry.js';
import { installFaultEndpoint, logFaultChanges } from './faults/fault-endpoint.js';
import { registerFaultMetrics } from './faults/fault-metrics.js';
import { createFaultRegistry, type FaultRegistry } from './faults/fault-registry.js';
import { installHttpFaults } from './faults/http-fault-hook.js';
import { createHttp2Cleartext, type Http2Cleartext, type Http2Handler } from './http2-cleartext.js';
import { createHttp2Tls, type Http2Tls } from './http2-tls.js';
import { watchIdentityFromConfig } from './identity/identity-from-config.js';
import type { IdentitySource } from './identity/identity-watcher.js';
import { createLogger, type Logger } from './logger.js';
import { prefersOpenMetrics } from './metrics-format.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from './openmetrics-text.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
import { currentTracing } from './tracing/create-tracing.js';
import { sampledSpanExemplar } from './tracing/exemplar-labels.js';
import { installHttpServerTracing, requestTraceContext } from './tracing/http-server.js';
import { tracingFromConfig } from './tracing/tracing-from-config.js';

/** What a service's setup function receives: everything it needs, injected in one place. */
export interface ServiceContext<C extends BaseConfig> {
  readonly app: FastifyInstance;
  readonly config: C;
  readonly log: Logger;
  readonly readiness: Readiness;
  readonly metrics: ServiceMetrics;
  /** Runs `hook` during shutdown, after in-flight requests finished (close pools, flush buffers). */
  readonly onShutdown: (hook: () => Promise<void> | void) => void;
  /**
   * Serves HTTP/2 cleartext (prior knowledge, as gRPC clients speak it) on the service's port, next to
   * HTTP/1.1. One handler per service, registered before `listen()`. Services that register none keep
   * Fastify's listener untouched.
   */
  readonly http2: (handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void) => void;
  /**
   * The replica's identity when `OPSLOOP_TLS_DIR` is set (rotated in place by the runtime): the `http2`
   * handler is then served over mutual TLS only, and gRPC clients present it. Undefined: cleartext.
   */
  readonly identity: IdentitySource | undefined;
}

/** Options of {@link createService}. */
export interface ServiceOptions<S extends z.ZodObject = typeof baseConfigSchema> {
  /** Service name (DNS label), the `service` label of every log line and metric. */
  name: string;
  /** Service version; `SERVICE_VERSION` overrides it. */
  version: string;
  /** The service's config schema; extend {@link baseConfigSchema} with its own variables. */
  configSchema?: S;
  /** Environment to read config from; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Log destination; stdout by default. */
  logDestination?: DestinationStream;
  /** How often the identity directory is polled for a rotated certificate; default 1000 ms. */
  identityPollIntervalMs?: number;
  /** Registers routes and readiness checks. */
  setup(context: ServiceContext<z.infer<S> & BaseConfig>): Promise<void> | void;
}

/** A created (not yet listening) service. */
export interface Service<C extends BaseConfig = BaseConfig> {
  readonly name: string;
  readonly app: FastifyInstance;
  readonly config: C;
  readonly log: Logger;
  readonly readiness: Readiness;
  readonly metrics: ServiceMetrics;
  /** See {@link ServiceContext.identity}. */
  readonly identity: IdentitySource | undefined;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful shutdown: fail readiness, stop accepting, let in-flight requests finish within
   * `SHUTDOWN_TIMEOUT_MS`, then run shutdown hooks. Resolves to true if everything finished in time.
   */
  shutdown(reason: string): Promise<boolean>;
  /**
   * Starts draining while still serving (the supervisor took this replica out of discovery and will stop it
   * soon): readiness fails and every response asks its client to close the connection, so clients move to
   * other replicas before the process stops. Idempotent.
   */
  drain(reason: string): void;
}

const INTERNAL_ROUTE = { internal: true } as const;

/**
 * Creates a service on Fastify with the kit's conventions: config parsed once from the environment (throws
 * {@link ConfigError} naming each bad variable), JSON logs with request ids, `/livez`, `/readyz`, `/metrics`,
 * RFC 9457 errors, a body size limit and graceful shutdown.
 */
export async function createService<S extends z.ZodObject = typeof baseConfigSchema>(
  options: ServiceOptions<S>,
): Promise<Service<z.infer<S> & BaseConfig>> {
  type C = z.infer<S> & BaseConfig;
  const schema = (options.configSchema ?? baseConfigSchema) as unknown as z.ZodObject;
  const config = loadConfig(baseConfigSchema.extend(schema.shape), options.env) as C;
  const version = config.SERVICE_VERSION ?? options.version;
  const instance = config.OPSLOOP_INSTANCE ?? `${options.name}-${hostname()}-${process.pid}`;
  const log = createLogger({
    service: options.name,
    version,
    instance,
    level: config.LOG_LEVEL,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const metrics = createMetrics({ service: options.name, version, instance });
  // Tracing registered earlier in this process (a test's in-memory one) is used, not replaced or shut down.
  const ownTracing =
    currentTracing() === undefined
      ? tracingFromConfig(config, { service: options.name, version, instance, log })
      : undefined;
  const tracing = ownTracing ?? currentTracing();
  const readiness = createReadiness();
  const shutdownHooks: (() => Promise<void> | void)[] = [];
  let http2Handler: Http2Handler | undefined;
  let http2: Http2Cleartext | undefined;
  let tls: Http2Tls | undefined;
  const identityWatcher = watchIdentityFromConfig(
    config,
    log,
    options.identityPollIntervalMs !== undefined ? { intervalMs: options.identityPollIntervalMs } : {},
  );
  const identity: IdentitySource | undefined = identityWatcher;
  if (identityWatcher !== undefined) {
    const { service, serial } = identityWatcher.current();
    if (service !== options.name)
      log.warn({ identity: service, name: options.name }, 'the service identity names another service');
    log.info({ identity: service, serial }, 'service identity loaded: gRPC over mutual TLS only');
  }

  const app = fastify({
    // pino's Logger is wider than Fastify's logger type; the cast keeps FastifyInstance's default generics.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    // One line per request is written by the onResponse hook below, with the route and duration.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    // Errors Fastify raises before routing (a URL with broken percent-encoding) skip the error handler:
    // answer them with problem+json too.
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply, request, toProblemError(error, config.BODY_LIMIT_BYTES));
    },
  });

  // First, so that every later hook and handler runs in the request's span.
  if (tracing !== undefined) installHttpServerTracing(app);
  installProblemHandlers(app, config.BODY_LIMIT_BYTES);
  const faultRate = config.FAULT_ERROR_RATE;
  if (faultRate !== undefined && faultRate > 0) {
    installFaultInjection(app, faultRate);
    log.warn(
      // `chaos: true`: the platform's log mining skips the fault tooling's own lines.
      { chaos: true, rate: faultRate },
      `${FAULT_ERROR_RATE_ENV} is set: failing that fraction of requests on purpose`,
    );
  }
  // Bodies are JSON: without this, Fastify's default text/plain parser hands routes a string instead of a 415.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    metrics.httpInFlight.inc({ method: request.method });
    done();
  });
  // After the in-flight count, so a delayed or failed request is counted like any other.
  installHttpFaults(app);
  // server.close() only reaps connections idle at that moment: a keep-alive connection whose request was in
  // flight would stay open after its response and hold shutdown until the deadline. Close it after the reply.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpInFlight.dec({ method: request.method });
    const internal = (request.routeOptions.config as { internal?: boolean } | undefined)?.internal === true;
    const seconds = reply.elapsedTime / 1000;
    if (!internal) {
      // Only a trace that is exported somewhere is worth linking to.
      const exemplar = tracing?.exports ? sampledSpanExemplar(requestTraceContext(request)) : undefined;
      metrics.httpDuration.observe({
        labels: {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status: String(reply.statusCode),
        },
        value: seconds,
        ...(exemplar ? { exemplarLabels: exemplar } : {}),
      });
    }
    const line = {
      method: request.method,
      path: request.url.split('?')[0],
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (internal) request.log.debug(line, 'request served');
    else request.log.info(line, 'request served');
    done();
  });

  app.get('/livez', { config: INTERNAL_ROUTE }, () => ({ status: 'ok' }));
  app.get('/readyz', { config: INTERNAL_ROUTE }, async (_request, reply) => {
    const { ready, checks } = await readiness.evaluate();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  // Prometheus asks for OpenMetrics (the format with exemplars); other scrapers (the runtime's) keep 0.0.4.
  app.get('/metrics', { config: INTERNAL_ROUTE }, async (request, reply) => {
    void reply.header('vary', 'accept');
    if (prefersOpenMetrics(request.headers.accept))
      return reply.type(OPENMETRICS_CONTENT_TYPE).send(await renderOpenMetrics(metrics.registry));
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // The fault endpoint exists only for replicas the runtime gave a token: nothing else can fault a service.
  let ownFaults: FaultRegistry | undefined;
  const faultToken = config.OPSLOOP_FAULT_TOKEN;
  if (faultToken !== undefined) {
    // A registry set earlier in this process (a test's, on a manual clock) is used, not replaced.
    const faults = currentFaultRegistry() ?? (ownFaults = createFaultRegistry());
    if (ownFaults !== undefined) setCurrentFaultRegistry(ownFaults);
    const unsubscribe = logFaultChanges(faults, log);
    installFaultEndpoint(app, { token: faultToken, registry: faults, log });
    registerFaultMetrics(metrics.registry, faults);
    app.addHook('onClose', (_instance, done) => {
      unsubscribe();
      closeOwnFaults();
      done();
    });
  }
  /** Ends the faults of a registry this service created (a leak, a CPU burn) and unregisters it. */
  function closeOwnFaults(): void {
    if (ownFaults === undefined) return;
    ownFaults.close();
    if (currentFaultRegistry() === ownFaults) setCurrentFaultRegistry(undefined);
    ownFaults = undefined;
  }

  try {
    await options.setup({
      app,
      config,
      log,
      readiness,
      metrics,
      identity,
      onShutdown: (hook) => void shutdownHooks.push(hook),
      http2(handler) {
        if (http2Handler !== undefined) throw new Error('an HTTP/2 handler is already registered');
        if (app.server.listening) throw new Error('register the HTTP/2 handler before listen()');
        http2Handler = handler;
      },
    });
  } catch (error) {
    closeOwnFaults();
    identityWatcher?.close();
    await ownTracing?.shutdown(0);
    throw error;
  }

  let shuttingDown: Promise<boolean> | undefined;
  const shutdown = (reason: string): Promise<boolean> => {
    shuttingDown ??= (async () => {
      log.info({ reason, timeout_ms: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down');
      readiness.drain();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS);
      });
      // HTTP/2 sessions get a GOAWAY while the listener closes; app.close() also waits for their sockets.
      const drained = Promise.all([app.close(), http2?.close(), tls?.close()]);
      const finished = await Promise.race([drained.then(() => true as const), deadline]);
      clearTimeout(timer);
      if (!finished) {
        log.warn('in-flight requests did not finish before the shutdown deadline; closing their connections');
        app.server.closeAllConnections();
        http2?.destroy();
        tls?.destroy();
      }
      for (const hook of shutdownHooks.reverse()) {
        try {
          await hook();
        } catch (error) {
          log.error({ err: error }, 'shutdown hook failed');
        }
      }
      identityWatcher?.close();
      // Spans of the last requests and hooks are exported (bounded: 2 s) before the process ends.
      await (ownTracing ? ownTracing.shutdown() : tracing?.forceFlush());
      log.info({ clean: finished }, 'stopped');
      return finished;
    })();
    return shuttingDown;
  };

  let draining = false;
  const drain = (reason: string): void => {
    if (draining) return;
    draining = true;
    log.info({ reason }, 'draining: closing keep-alive connections as their requests end');
    // Busy connections close after their next response (`connection: close`, see onSend). Idle ones are left
    // to the shutdown: closing them now races a client that is about to reuse one.
    readiness.drain();
  };

  return {
    name: options.name,
    app,
    config,
    log,
    readiness,
    metrics,
    identity,
    drain,
    async listen() {
      if (http2Handler !== undefined && http2 === undefined) {
        // With an identity, HTTP/2 is served over mutual TLS and cleartext HTTP/2 only answers "refused".
        tls = identity ? createHttp2Tls({ handler: http2Handler, log, identity }) : undefined;
        http2 = createHttp2Cleartext({
          handler: identity ? refuseCleartextRpc(log) : http2Handler,
          log,
          ...(tls ? { tls } : {}),
        });
        // Fastify's own server keeps the listening socket and every HTTP/1.1 behaviour; only the routing of
        // each new connection by its first bytes is added in front of it.
        http2.attach(app.server);
      }
      return app.listen({ port: config.PORT, host: config.HOST });
    },
    shutdown,
  };
}
