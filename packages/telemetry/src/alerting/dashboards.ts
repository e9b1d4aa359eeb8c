import {
  goldenSignalQueries,
  goldenSignalQuery,
  HTTP_SERVER_DURATION,
  type GoldenSignalName,
} from './golden-signals.js';
import { grafanaDashboard, queryVariable, type GrafanaJson, type PanelSpec } from './grafana-dashboard.js';
import { BURN_RATE_WINDOWS, SLO_BURN_ALERT, SLO_ERROR_RATIO_WINDOWS } from './slo-rules.js';

const SERVICE = '$service';
const recorded = (name: GoldenSignalName) => goldenSignalQuery(SERVICE, name, { recorded: true });

/**
 * Golden signals of one service (`service` variable): latency p50/p95/p99, traffic, 5xx and gRPC error
 * ratios, saturation (in-flight, CPU, event-loop lag, memory), and per-route traffic/errors/p99. Reads the
 * `service:*` and `service_route:*` recording rules.
 */
export function goldenSignalsDashboard(): GrafanaJson {
  const byName = new Map(goldenSignalQueries(SERVICE, { recorded: true }).map((q) => [q.name, q]));
  const one = (name: GoldenSignalName, extra: Partial<PanelSpec> = {}): PanelSpec => {
    const q = byName.get(name)!;
    return { title: q.title, unit: q.unit, queries: [{ expr: q.expr, legend: q.title }], ...extra };
  };
  const route = (metric: string) => `${metric}{service="${SERVICE}"}`;
  return grafanaDashboard({
    uid: 'opsloop-golden-signals',
    title: 'opsloop / Golden signals',
    description:
      'Latency, traffic, errors and saturation of one service (recording rules service:* from deploy/observability/prometheus-rules.yaml).',
    tags: ['opsloop', 'golden-signals'],
    variables: [queryVariable('service', 'service', `${HTTP_SERVER_DURATION}_count`, 'Service')],
    panels: [
      { type: 'row', title: 'Latency' },
      {
        title: 'HTTP latency p50 / p95 / p99',
        unit: 'seconds',
        width: 24,
        queries: (['latency_p50', 'latency_p95', 'latency_p99'] as const).map((n) => ({
          expr: recorded(n).expr,
          legend: n.slice(-3),
        })),
      },
      { type: 'row', title: 'Traffic and errors' },
      one('traffic'),
      one('rpc_traffic'),
      one('errors', { min: 0, description: 'Share of HTTP responses with a 5xx status.' }),
      one('rpc_errors', { min: 0, description: 'Share of gRPC calls ending with a code other than OK.' }),
      {
        title: 'Requests/s by route',
        unit: 'requests/s',
        width: 8,
        queries: [{ expr: route('service_route:http_requests:rate5m'), legend: '{{route}}' }],
      },
      {
        title: '5xx ratio by route',
        unit: 'ratio',
        width: 8,
        min: 0,
        queries: [{ expr: route('service_route:http_errors:ratio_rate5m'), legend: '{{route}}' }],
      },
      {
        title: 'p99 latency by route',
        unit: 'seconds',
        width: 8,
        queries: [{ expr: route('service_route:http_latency_seconds:p99_5m'), legend: '{{route}}' }],
      },
      { type: 'row', title: 'Saturation' },
      one('in_flight', { width: 6 }),
      one('cpu', { width: 6 }),
      one('event_loop_lag_p99', { width: 6 }),
      {
        title: 'Memory',
        unit: 'bytes',
        width: 6,
        queries: [
          { expr: recorded('memory_rss').expr, legend: 'resident' },
          { expr: recorded('heap_used').expr, legend: 'V8 heap used' },
        ],
      },
    ],
  });
}

/**
 * One SLO (`service` and `slo` variables): objective, attainment and error budget left over the SLO
 * window, burn rate per alert window against the workbook's thresholds, and the burn alerts' state.
 */
export function sloBurnDashboard(): GrafanaJson {
  const f = `{service="$service",slo="$slo"}`;
  const budget = `slo:error_budget:ratio${f}`;
  const burn = (w: string) => `slo:sli_error:ratio_rate${w}${f} / on (service, slo) ${budget}`;
  const thresholds = [
    { value: null, color: 'green' },
    ...[...new Set(BURN_RATE_WINDOWS.map((w) => w.factor))]
      .sort((a, b) => a - b)
      .map((factor) => ({ value: factor, color: factor >= 6 ? 'red' : 'orange' })),
  ];
  return grafanaDashboard({
    uid: 'opsloop-slo-burn',
    title: 'opsloop / SLO error budget and burn rate',
    description:
      'Error budget and multi-window burn rates of one SLO (recording rules slo:* generated from the SLO definitions).',
    tags: ['opsloop', 'slo'],
    variables: [
      queryVariable('service', 'service', 'slo:objective:ratio', 'Service'),
      queryVariable('slo', 'slo', 'slo:objective:ratio{service="$service"}', 'SLO'),
    ],
    panels: [
      {
        type: 'stat',
        title: 'Objective',
        unit: 'percentunit',
        width: 6,
        height: 5,
        queries: [{ expr: `slo:objective:ratio${f}` }],
      },
      {
        type: 'stat',
        title: 'Attained over the SLO window',
        description:
          'Good events / all events over the SLO window (from the remaining budget: 1 − spent × budget).',
        unit: 'percentunit',
        width: 6,
        height: 5,
        queries: [{ expr: `1 - (1 - slo:error_budget_remaining:ratio${f}) * on (service, slo) ${budget}` }],
      },
      {
        type: 'gauge',
        title: 'Error budget remaining',
        unit: 'percentunit',
        width: 6,
        height: 5,
        min: 0,
        max: 1,
        thresholds: [
          { value: null, color: 'red' },
          { value: 0.25, color: 'orange' },
          { value: 0.5, color: 'green' },
        ],
        queries: [{ expr: `slo:error_budget_remaining:ratio${f}` }],
      },
      {
        type: 'stat',
        title: 'Burn alerts firing',
        width: 6,
        height: 5,
        thresholds: [
          { value: null, color: 'green' },
          { value: 1, color: 'red' },
        ],
        queries: [
          {
            expr: `count(ALERTS{alertname="${SLO_BURN_ALERT}",alertstate="firing",service="$service",slo="$slo"}) or vector(0)`,
          },
        ],
      },
      {
        title: 'Burn rate by window',
        description:
          'Error ratio ÷ error budget: 1 spends the budget exactly over the SLO window; dashed lines are the alert thresholds (14.4, 6, 3, 1).',
        width: 24,
        height: 9,
        thresholds,
        queries: SLO_ERROR_RATIO_WINDOWS.map((w) => ({ expr: burn(w), legend: w })),
      },
      {
        title: 'Error budget remaining over time',
        unit: 'percentunit',
        queries: [{ expr: `slo:error_budget_remaining:ratio${f}`, legend: 'remaining' }],
      },
      {
        title: 'Error ratio (5m, 1h) and budget',
        unit: 'percentunit',
        min: 0,
        queries: [
          { expr: `slo:sli_error:ratio_rate5m${f}`, legend: '5m' },
          { expr: `slo:sli_error:ratio_rate1h${f}`, legend: '1h' },
          { expr: budget, legend: 'budget' },
        ],
      },
    ],
  });
}

/** The checkout saga: outcomes, compensations by reason, step outcomes and durations, checkout's RED. */
export function checkoutSagaDashboard(): GrafanaJson {
  const finished = 'checkout_sagas_finished_total';
  const steps = 'checkout_saga_steps_total';
  const checkout = (name: GoldenSignalName) => goldenSignalQuery('checkout', name, { recorded: true }).expr;
  return grafanaDashboard({
    uid: 'opsloop-checkout-saga',
    title: 'opsloop / Checkout saga',
    description:
      'Outcomes of the checkout saga (services/checkout/src/saga-metrics.ts) and the checkout service RED.',
    tags: ['opsloop', 'checkout'],
    variables: [],
    panels: [
      {
        title: 'Sagas finished/s by state',
        unit: 'requests/s',
        queries: [{ expr: `sum by (state) (rate(${finished}[5m]))`, legend: '{{state}}' }],
      },
      {
        title: 'Compensated share',
        unit: 'ratio',
        min: 0,
        queries: [
          {
            expr: `sum(rate(${finished}{state="compensated"}[5m])) / sum(rate(${finished}[5m]))`,
            legend: 'compensated',
          },
        ],
      },
      {
        title: 'Compensations/s by reason',
        unit: 'requests/s',
        queries: [
          { expr: `sum by (reason) (rate(${finished}{state="compensated"}[5m]))`, legend: '{{reason}}' },
        ],
      },
      {
        title: 'Step outcomes/s',
        unit: 'requests/s',
        queries: [{ expr: `sum by (step, outcome) (rate(${steps}[5m]))`, legend: '{{step}} {{outcome}}' }],
      },
      {
        title: 'Retried, parked and abandoned steps/s',
        unit: 'requests/s',
        queries: [
          {
            expr: `sum by (step, outcome) (rate(${steps}{outcome=~"retry|parked|gave-up|failed:.*"}[5m]))`,
            legend: '{{step}} {{outcome}}',
          },
        ],
      },
      {
        title: 'Step duration p95',
        unit: 'seconds',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (step, le) (rate(checkout_saga_step_duration_seconds_bucket[5m])))',
            legend: '{{step}}',
          },
        ],
      },
      {
        title: 'Checkout requests/s',
        unit: 'requests/s',
        width: 8,
        queries: [{ expr: checkout('traffic'), legend: 'requests/s' }],
      },
      {
        title: 'Checkout 5xx ratio',
        unit: 'ratio',
        width: 8,
        min: 0,
        queries: [{ expr: checkout('errors'), legend: '5xx' }],
      },
      {
        title: 'Checkout latency p99',
        unit: 'seconds',
        width: 8,
        queries: [{ expr: checkout('latency_p99'), legend: 'p99' }],
      },
    ],
  });
}
