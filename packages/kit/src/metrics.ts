import { collectDefaultMetrics, Gauge, Histogram, Registry, type ObserveDataWithExemplar } from 'prom-client';

type LabelValues<L extends string> = Partial<Record<L, string | number>>;

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
  /**
   * RED histogram: `http_server_request_duration_seconds{service,route,method,status}`. Exemplars are
   * enabled: `observe({ labels, value, exemplarLabels: { trace_id, span_id } })`; `observe(labels, value)`
   * still works and records no exemplar.
   */
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
  // prom-client refuses exemplars on a metric constructed for a Prometheus-typed registry, though that
  // registry renders it fine (without exemplars): register it by hand. OpenMetrics output, exemplars
  // included, comes from renderOpenMetrics().
  const httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    enableExemplars: true,
    registers: [],
  });
  registry.registerMetric(httpDuration);
  acceptPlainObserve(httpDuration);
  const httpInFlight = new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP requests currently being served.',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, httpInFlight };
}

/**
 * With exemplars on, prom-client replaces `observe` by a one-argument form and `observe(labels, value)`
 * throws: keep the plain forms the `Histogram` type still offers working (without an exemplar).
 */
function acceptPlainObserve<L extends string>(histogram: Histogram<L>): void {
  const observe = histogram.observe.bind(histogram) as (data: ObserveDataWithExemplar<L>) => void;
  histogram.observe = (first: LabelValues<L> | number | ObserveDataWithExemplar<L>, second?: number) => {
    if (typeof first === 'number') observe({ value: first });
    else if (second !== undefined) observe({ labels: first as LabelValues<L>, value: second });
    else observe(first as ObserveDataWithExemplar<L>);
  };
}
