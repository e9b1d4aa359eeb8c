import { promqlString } from './promql-text.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule-types.js';

/** The histogram every service's HTTP server records (kit's RED metric). */
export const HTTP_SERVER_DURATION = 'http_server_request_duration_seconds';
/** The histogram every gRPC server records (`code` is the gRPC code name, `OK` on success). */
export const RPC_SERVER_DURATION = 'rpc_server_duration_seconds';

/** What a golden-signal value measures, for axis units (Grafana's unit ids in parentheses). */
export type SignalUnit = 'seconds' | 'requests/s' | 'ratio' | 'cores' | 'bytes' | 'requests';

/** Which golden signal a query is. */
export type GoldenSignalName =
  | 'latency_p50'
  | 'latency_p95'
  | 'latency_p99'
  | 'traffic'
  | 'errors'
  | 'throttled'
  | 'rpc_traffic'
  | 'rpc_errors'
  | 'rpc_latency_p95'
  | 'in_flight'
  | 'cpu'
  | 'event_loop_lag_p99'
  | 'memory_rss'
  | 'memory_rss_max'
  | 'heap_used'
  | 'consumer_lag';

/** The four golden signals' families. */
export type SignalKind = 'latency' | 'traffic' | 'errors' | 'saturation';

/** One named golden-signal query of one service. */
export interface GoldenSignalQuery {
  readonly name: GoldenSignalName;
  readonly kind: SignalKind;
  /** Human title (`Latency p99`). */
  readonly title: string;
  readonly unit: SignalUnit;
  /** PromQL giving one series (no labels) for the service. */
  readonly expr: string;
}

interface SignalDef {
  name: GoldenSignalName;
  kind: SignalKind;
  title: string;
  unit: SignalUnit;
  /** Recording rule name (`level:metric:operations`). */
  record: string;
  /**
   * The expression aggregated `by (<by>)`, restricted by `filter` (matchers without braces, may be ''), rates
   * over `window` (a PromQL duration).
   */
  expr: (by: string, filter: string, window: string) => string;
}

const sel = (metric: string, f: string) => (f === '' ? metric : `${metric}{${f}}`);
const count = (f: string, extra = '') =>
  sel(`${HTTP_SERVER_DURATION}_count`, [extra, f].filter(Boolean).join(','));
const rpcCount = (f: string, extra = '') =>
  sel(`${RPC_SERVER_DURATION}_count`, [extra, f].filter(Boolean).join(','));

// A ratio that is 0 (not absent) when there are requests but no errors: dashboards then show 0 %, and
// alerts on the ratio keep a series to compare.
const ratio = (by: string, errors: string, total: string, w: string) =>
  `(sum by (${by}) (rate(${errors}[${w}])) or 0 * sum by (${by}) (rate(${total}[${w}]))) / sum by (${by}) (rate(${total}[${w}]))`;

const quantile =
  (q: string, histogram = HTTP_SERVER_DURATION) =>
  (by: string, f: string, w: string) =>
    `histogram_quantile(${q}, sum by (${by}, le) (rate(${sel(`${histogram}_bucket`, f)}[${w}])))`;

const SIGNALS: readonly SignalDef[] = [
  {
    name: 'latency_p50',
    kind: 'latency',
    title: 'Latency p50',
    unit: 'seconds',
    record: 'http_latency_seconds:p50_5m',
    expr: quantile('0.5'),
  },
  {
    name: 'latency_p95',
    kind: 'latency',
    title: 'Latency p95',
    unit: 'seconds',
    record: 'http_latency_seconds:p95_5m',
    expr: quantile('0.95'),
  },
  {
    name: 'latency_p99',
    kind: 'latency',
    title: 'Latency p99',
    unit: 'seconds',
    record: 'http_latency_seconds:p99_5m',
    expr: quantile('0.99'),
  },
  {
    name: 'traffic',
    kind: 'traffic',
    title: 'HTTP requests/s',
    unit: 'requests/s',
    record: 'http_requests:rate5m',
    expr: (by, f, w) => `sum by (${by}) (rate(${count(f)}[${w}]))`,
  },
  {
    name: 'errors',
    kind: 'errors',
    title: 'HTTP 5xx ratio',
    unit: 'ratio',
    record: 'http_errors:ratio_rate5m',
    expr: (by, f, w) => ratio(by, count(f, 'status=~"5.."'), count(f), w),
  },
  {
    // Requests turned away by a rate limit (429): no error to the golden signals, yet callers were refused.
    // A flood the limiter contains shows here and nowhere else users would see.
    name: 'throttled',
    kind: 'traffic',
    title: 'HTTP 429 ratio (rate limited)',
    unit: 'ratio',
    record: 'http_throttled:ratio_rate5m',
    expr: (by, f, w) => ratio(by, count(f, 'status="429"'), count(f), w),
  },
  {
    name: 'rpc_traffic',
    kind: 'traffic',
    title: 'gRPC calls/s',
    unit: 'requests/s',
    record: 'rpc_requests:rate5m',
    expr: (by, f, w) => `sum by (${by}) (rate(${rpcCount(f)}[${w}]))`,
  },
  {
    name: 'rpc_errors',
    kind: 'errors',
    title: 'gRPC non-OK ratio',
    unit: 'ratio',
    record: 'rpc_errors:ratio_rate5m',
    expr: (by, f, w) => ratio(by, rpcCount(f, 'code!="OK"'), rpcCount(f), w),
  },
  {
    name: 'rpc_latency_p95',
    kind: 'latency',
    title: 'gRPC latency p95',
    unit: 'seconds',
    record: 'rpc_latency_seconds:p95_5m',
    expr: quantile('0.95', RPC_SERVER_DURATION),
  },
  {
    name: 'in_flight',
    kind: 'saturation',
    title: 'In-flight HTTP requests',
    unit: 'requests',
    record: 'http_active_requests:sum',
    expr: (by, f) => `sum by (${by}) (${sel('http_server_active_requests', f)})`,
  },
  {
    name: 'cpu',
    kind: 'saturation',
    title: 'CPU (cores)',
    unit: 'cores',
    record: 'process_cpu_seconds:rate5m',
    expr: (by, f, w) => `sum by (${by}) (rate(${sel('process_cpu_seconds_total', f)}[${w}]))`,
  },
  {
    name: 'event_loop_lag_p99',
    kind: 'saturation',
    title: 'Event-loop lag p99 (worst instance)',
    unit: 'seconds',
    record: 'nodejs_eventloop_lag_p99_seconds:max',
    expr: (by, f) => `max by (${by}) (${sel('nodejs_eventloop_lag_p99_seconds', f)})`,
  },
  {
    name: 'memory_rss',
    kind: 'saturation',
    title: 'Resident memory',
    unit: 'bytes',
    record: 'process_resident_memory_bytes:sum',
    expr: (by, f) => `sum by (${by}) (${sel('process_resident_memory_bytes', f)})`,
  },
  {
    // One leaking replica shows here undiluted, and adding replicas does not move it (the sum above does).
    name: 'memory_rss_max',
    kind: 'saturation',
    title: 'Resident memory (largest instance)',
    unit: 'bytes',
    record: 'process_resident_memory_bytes:max',
    expr: (by, f) => `max by (${by}) (${sel('process_resident_memory_bytes', f)})`,
  },
  {
    name: 'heap_used',
    kind: 'saturation',
    title: 'V8 heap used',
    unit: 'bytes',
    record: 'nodejs_heap_size_used_bytes:sum',
    expr: (by, f) => `sum by (${by}) (${sel('nodejs_heap_size_used_bytes', f)})`,
  },
  {
    // Asynchronous work's latency: how far behind the events' own time the consumers are (the worst replica
    // and stream). Users never wait on it, so no HTTP signal moves when a consumer stalls: this one does.
    name: 'consumer_lag',
    kind: 'latency',
    title: 'Event consumer lag (worst)',
    unit: 'seconds',
    record: 'messaging_consumer_lag_seconds:max',
    expr: (by, f) => `max by (${by}) (${sel('messaging_consumer_lag_seconds', f)})`,
  },
];

/** Options of {@link goldenSignalQueries}. */
export interface GoldenSignalQueryOptions {
  /**
   * Read the `service:*` series of {@link goldenSignalRecordingRules} (cheap; needs the rules loaded) rather
   * than computing from the raw metrics (works anywhere). Raw by default.
   */
  recorded?: boolean;
  /** Rate window of the rate-based raw queries (a PromQL duration); `5m` by default. */
  window?: string;
}

/**
 * The golden signals of one service as named PromQL queries (latency p50/p95/p99, traffic, 5xx and gRPC
 * non-OK ratios, saturation: in-flight requests, CPU, event-loop lag, memory): what the CLI, dashboard and
 * AIOps query. `service` may be a Grafana variable such as `$service`.
 */
export function goldenSignalQueries(
  service: string,
  options: GoldenSignalQueryOptions = {},
): GoldenSignalQuery[] {
  const filter = `service=${promqlString(service)}`;
  return SIGNALS.map((s) => ({
    name: s.name,
    kind: s.kind,
    title: s.title,
    unit: s.unit,
    expr: options.recorded
      ? `service:${s.record}{${filter}}`
      : s.expr('service', filter, options.window ?? '5m'),
  }));
}

/** The golden signals of one service, by name. */
export function goldenSignalQuery(
  service: string,
  name: GoldenSignalName,
  options: GoldenSignalQueryOptions = {},
): GoldenSignalQuery {
  const query = goldenSignalQueries(service, options).find((q) => q.name === name);
  if (query === undefined) throw new Error(`unknown golden signal "${name}"`);
  return query;
}

/** The names of every golden signal, in their display order. */
export const GOLDEN_SIGNAL_NAMES: readonly GoldenSignalName[] = SIGNALS.map((s) => s.name);

/** Options of {@link goldenSignalFleetQueries}. */
export interface FleetQueryOptions {
  /** Which signals (all by default). */
  names?: readonly GoldenSignalName[];
  /** Rate window of the rate-based signals (a PromQL duration); `5m` by default. */
  window?: string;
}

/**
 * Golden signals of every service at once: each query returns one series per service (label `service`),
 * so one query per signal covers the whole fleet (what live anomaly detection evaluates at every step).
 */
export function goldenSignalFleetQueries(options: FleetQueryOptions = {}): GoldenSignalQuery[] {
  const names = options.names ?? GOLDEN_SIGNAL_NAMES;
  return SIGNALS.filter((s) => names.includes(s.name)).map((s) => ({
    name: s.name,
    kind: s.kind,
    title: s.title,
    unit: s.unit,
    expr: s.expr('service', '', options.window ?? '5m'),
  }));
}

/** The per-route signals also recorded (`service_route:*`), for route-level dashboards and localisation. */
const ROUTE_SIGNALS: readonly GoldenSignalName[] = ['traffic', 'errors', 'latency_p99'];

/**
 * Recording rules of every service's golden signals (`service:http_requests:rate5m`,
 * `service:http_errors:ratio_rate5m`, `service:http_latency_seconds:p99_5m`, … and `service_route:*` for
 * traffic, errors and p99 per route), following Prometheus's `level:metric:operations` naming.
 */
export function goldenSignalRecordingRules(interval = '30s'): RuleGroup {
  const rules: RecordingRule[] = SIGNALS.map((s) => ({
    record: `service:${s.record}`,
    expr: s.expr('service', '', '5m'),
  }));
  for (const s of SIGNALS.filter((x) => ROUTE_SIGNALS.includes(x.name))) {
    rules.push({ record: `service_route:${s.record}`, expr: s.expr('service, route', '', '5m') });
  }
  return { name: 'opsloop-golden-signals', interval, rules };
}

/** Name of the alert raised when every scrape target of a service is down. */
export const SERVICE_DOWN_ALERT = 'ServiceDown';

/**
 * `ServiceDown{service}`: every target of a job has failed its scrapes for `for` (1m). It carries the
 * `service` label (copied from `job`) so an inhibition rule can mute the service's SLO alerts, which would
 * otherwise page for the same outage.
 */
export function serviceHealthRules(runbookBaseUrl: string, interval = '30s'): RuleGroup {
  const down: AlertingRule = {
    alert: SERVICE_DOWN_ALERT,
    expr: 'label_replace(max by (job) (up) == 0, "service", "$1", "job", "(.*)")',
    for: '1m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'Service {{ $labels.service }} is down',
      description: 'Every scrape target of job {{ $labels.job }} has been failing for more than a minute.',
      runbook_url: `${runbookBaseUrl}/service-down`,
    },
  };
  return { name: 'opsloop-service-health', interval, rules: [down] };
}
