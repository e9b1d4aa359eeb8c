import { describe, expect, it } from 'vitest';
import {
  goldenSignalFleetQueries,
  goldenSignalQueries,
  goldenSignalQuery,
  goldenSignalRecordingRules,
  serviceHealthRules,
} from './golden-signals.js';
import { promqlSyntaxError } from './promql-syntax.js';
import { validateRuleGroups } from './rule-file.js';
import { isAlertingRule } from './rule-types.js';

describe('golden signals', () => {
  it('gives every signal of a service as parseable PromQL restricted to that service', () => {
    const queries = goldenSignalQueries('checkout');
    expect(queries.map((q) => q.name)).toEqual([
      'latency_p50',
      'latency_p95',
      'latency_p99',
      'traffic',
      'errors',
      'throttled',
      'rpc_traffic',
      'rpc_errors',
      'rpc_latency_p95',
      'in_flight',
      'cpu',
      'event_loop_lag_p99',
      'memory_rss',
      'memory_rss_max',
      'heap_used',
      'consumer_lag',
    ]);
    for (const q of queries) {
      expect(promqlSyntaxError(q.expr), q.expr).toBeUndefined();
      expect(q.expr).toContain('service="checkout"');
    }
    expect(new Set(queries.map((q) => q.kind))).toEqual(
      new Set(['latency', 'traffic', 'errors', 'saturation']),
    );
  });

  it('writes the exact PromQL of the main signals', () => {
    expect(goldenSignalQuery('orders', 'latency_p99').expr).toBe(
      'histogram_quantile(0.99, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{service="orders"}[5m])))',
    );
    expect(goldenSignalQuery('orders', 'errors').expr).toBe(
      '(sum by (service) (rate(http_server_request_duration_seconds_count{status=~"5..",service="orders"}[5m])) or ' +
        '0 * sum by (service) (rate(http_server_request_duration_seconds_count{service="orders"}[5m]))) / ' +
        'sum by (service) (rate(http_server_request_duration_seconds_count{service="orders"}[5m]))',
    );
    expect(goldenSignalQuery('orders', 'rpc_errors').expr).toContain('code!="OK"');
    expect(goldenSignalQuery('notifications', 'consumer_lag').expr).toBe(
      'max by (service) (messaging_consumer_lag_seconds{service="notifications"})',
    );
    expect(goldenSignalQuery('orders', 'traffic', { recorded: true }).expr).toBe(
      'service:http_requests:rate5m{service="orders"}',
    );
  });

  it('gives fleet-wide queries, one series per service, over the window asked for', () => {
    const queries = goldenSignalFleetQueries({ names: ['errors', 'latency_p95'], window: '1m' });
    expect(queries.map((q) => q.name)).toEqual(['latency_p95', 'errors']);
    expect(queries[0]!.expr).toBe(
      'histogram_quantile(0.95, sum by (service, le) (rate(http_server_request_duration_seconds_bucket[1m])))',
    );
    for (const q of queries) {
      expect(promqlSyntaxError(q.expr), q.expr).toBeUndefined();
      expect(q.expr).not.toContain('5m');
      expect(q.expr).not.toContain('service=');
    }
    expect(goldenSignalFleetQueries()).toHaveLength(goldenSignalQueries('x').length);
  });

  it('escapes the service name into a PromQL string', () => {
    const expr = goldenSignalQuery('we"ird\\name', 'traffic').expr;
    expect(expr).toContain('service="we\\"ird\\\\name"');
    expect(promqlSyntaxError(expr)).toBeUndefined();
  });

  it('records each signal as level:metric:operations, including the names dashboards rely on', () => {
    const group = goldenSignalRecordingRules();
    const names = group.rules.map((r) => (isAlertingRule(r) ? r.alert : r.record));
    expect(names).toEqual(
      expect.arrayContaining([
        'service:http_requests:rate5m',
        'service:http_errors:ratio_rate5m',
        'service:http_latency_seconds:p99_5m',
      ]),
    );
    for (const name of names) expect(name).toMatch(/^(service|service_route):[a-z0-9_]+:[a-z0-9_]+$/);
    expect(new Set(names).size).toBe(names.length);
    expect(validateRuleGroups([group, serviceHealthRules('https://runbooks.test')])).toEqual([]);
    // Every service: no service filter in recording rules, aggregation by service.
    for (const rule of group.rules) expect(rule.expr).not.toContain('service="');
  });

  it('labels ServiceDown with the service so inhibition rules can match it against SLO alerts', () => {
    const [rule] = serviceHealthRules('https://runbooks.test').rules;
    expect(rule && isAlertingRule(rule) && rule.expr).toContain('"service", "$1", "job"');
    expect(rule && isAlertingRule(rule) && rule.labels).toEqual({ severity: 'page' });
  });
});
