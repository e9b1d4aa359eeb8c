import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets of the HTTP duration histogram: OpenTelemetry's advice for `http.server.request.duration`. */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  service: string;
  version: string;
  instance: string;
  /** Collect Node runtime metrics (event loop lag, heap, GC, CPU); on by default. */
  runtimeMetrics?: boolean;
}

/** The metrics of one service process. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** RED histogram: `http_server_request_duration_seconds{service,route,method,status}`. */
  readonly httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** Requests being served right now. */
  readonly httpInFlight: Gauge<'method'>;
}

/**
 * Creates a registry whose every series carries `service`, `version` and `instance` labels, with the RED
 * histogram and (by default) Node's runtime metrics.
 */
export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({
    service: options.service,
    version: options.version,
    instance: options.instance,
  });
  if (options.runtimeMetrics ?? true) collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  const httpInFlight = new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP requests currently being served.',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, httpInFlight };
}
