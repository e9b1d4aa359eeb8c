import { goldenSignalFleetQueries, type GoldenSignalName } from '@opsloop/telemetry';
import type { LiveSignal } from './anomaly-event.js';

/**
 * The golden signals watched by default: request rate, error ratio and p95 latency of HTTP and of gRPC
 * (internal services mostly speak gRPC), and saturation: CPU, the event loop's p99 lag (a Node.js
 * process saturates on its one thread long before the machine does) and the largest replica's resident
 * memory (a leak, before the OOM kill) — and the event consumers' lag: asynchronous work that stalls moves no
 * request signal at all — and the share of requests a rate limit turned away (a contained flood).
 */
export const DEFAULT_LIVE_SIGNALS: readonly GoldenSignalName[] = [
  'traffic',
  'errors',
  'throttled',
  'latency_p95',
  'rpc_traffic',
  'rpc_errors',
  'rpc_latency_p95',
  'cpu',
  'event_loop_lag_p99',
  'memory_rss_max',
  'consumer_lag',
];

/**
 * Every service's golden signals as live signals (one query each, one series per service), rates over
 * `window` (1 minute by default: short enough to show a change within a minute, long enough for several
 * scrapes).
 */
export function goldenLiveSignals(
  names: readonly GoldenSignalName[] = DEFAULT_LIVE_SIGNALS,
  window = '1m',
): LiveSignal[] {
  return goldenSignalFleetQueries({ names, window }).map((q) => ({
    name: q.name,
    kind: q.kind,
    unit: q.unit,
    title: q.title,
    query: q.expr,
    // Every golden signal is a rate, ratio, duration or amount: never below zero.
    lowerBound: 0,
    // Error ratios move in steps of one request: half a percentage point is the least worth a page. A
    // latency percentile moving by less than 50 ms is noise to a user (a busy machine doubles a 20 ms p95).
    ...(q.unit === 'ratio' ? { minDeviation: 0.005 } : q.unit === 'seconds' ? { minDeviation: 0.05 } : {}),
  }));
}

/**
 * The rate of every log template of every service (`log_template_events_total`, written by the runtime's log
 * mining): a template whose rate departs from its own baseline is an anomaly like any golden signal's. A change
 * of less than 0.1 lines/s (six a minute) is never reported.
 */
export function logTemplateRateSignal(window = '1m'): LiveSignal {
  return {
    name: 'log_template_rate',
    kind: 'logs',
    unit: 'lines/s',
    title: 'Log template rate',
    query: `sum by (service, template_id) (rate(log_template_events_total[${window}]))`,
    lowerBound: 0,
    minDeviation: 0.1,
  };
}
