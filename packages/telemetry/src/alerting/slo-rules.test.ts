import { describe, expect, it } from 'vitest';
import { promqlSyntaxError } from './promql-syntax.js';
import { validateRuleGroups } from './rule-file.js';
import { isAlertingRule, type AlertingRule, type RecordingRule } from './rule-types.js';
import { bucketBoundMatcher, sloErrorRatioExpr } from './slo-indicator.js';
import {
  BURN_RATE_WINDOWS,
  SLO_BURN_ALERT,
  sloErrorBudget,
  sloRuleGroup,
  sloRuleGroups,
} from './slo-rules.js';
import { sloSchema } from './slo-schema.js';

const availability = sloSchema.parse({
  name: 'checkout-availability',
  objective: 99.5,
  indicator: { kind: 'availability', route: '/checkout' },
});

describe('SLO error ratio expressions', () => {
  it('counts 5xx over all requests of the route, 0 (not absent) when nothing failed', () => {
    expect(sloErrorRatioExpr('checkout', availability.indicator, '1h')).toBe(
      '(sum(rate(http_server_request_duration_seconds_count{service="checkout",route="/checkout",status=~"5.."}[1h])) or vector(0))\n/\n' +
        'sum(rate(http_server_request_duration_seconds_count{service="checkout",route="/checkout"}[1h]))',
    );
  });

  it('counts gRPC server faults, and both protocols together for `all`', () => {
    const grpc = sloSchema.parse({
      name: 'o',
      objective: 99.9,
      indicator: { kind: 'availability', protocol: 'grpc' },
    });
    const all = sloSchema.parse({
      name: 'o',
      objective: 99.9,
      indicator: { kind: 'availability', protocol: 'all' },
    });
    expect(sloErrorRatioExpr('orders', grpc.indicator, '5m')).toContain(
      'code=~"UNKNOWN|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED|INTERNAL|UNAVAILABLE|DATA_LOSS"',
    );
    const both = sloErrorRatioExpr('orders', all.indicator, '5m');
    expect(both).toContain('http_server_request_duration_seconds_count');
    expect(both).toContain('rpc_server_duration_seconds_count');
    expect(promqlSyntaxError(both)).toBeUndefined();
  });

  it('counts requests slower than the threshold bucket; integer bounds match Prometheus 3 `le="1.0"` too', () => {
    const latency = sloSchema.parse({
      name: 'l',
      objective: 99,
      indicator: { kind: 'latency', thresholdSeconds: 0.5 },
    });
    expect(sloErrorRatioExpr('checkout', latency.indicator, '5m')).toContain(
      'http_server_request_duration_seconds_bucket{service="checkout",le="0.5"}[5m]',
    );
    expect(bucketBoundMatcher(1)).toEqual(['le', '=~', '1(\\.0)?']);
    expect(bucketBoundMatcher(2.5)).toEqual(['le', '=', '2.5']);
  });

  it('substitutes the window into a ratio indicator', () => {
    const ratio = sloSchema.parse({
      name: 'r',
      objective: 99,
      indicator: {
        kind: 'ratio',
        good: 'sum(rate(ok_total[$window]))',
        total: 'sum(rate(all_total[$window]))',
      },
    });
    expect(sloErrorRatioExpr('x', ratio.indicator, '6h')).toBe(
      '1 - (\n  (sum(rate(ok_total[6h])))\n  /\n  (sum(rate(all_total[6h])))\n)',
    );
  });
});

describe('sloRuleGroup', () => {
  const group = sloRuleGroup('checkout', availability, { runbookBaseUrl: 'https://runbooks.test' });
  const recording = group.rules.filter((r): r is RecordingRule => !isAlertingRule(r));
  const alerts = group.rules.filter(isAlertingRule);

  it('records the error ratio over the Sloth/Pyrra windows and the SLO window, then objective and budget', () => {
    expect(recording.map((r) => r.record)).toEqual([
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:sli_error:ratio_rate30d',
      'slo:objective:ratio',
      'slo:error_budget:ratio',
      'slo:time_period:days',
      'slo:error_budget_remaining:ratio',
    ]);
    for (const r of recording)
      expect(r.labels).toEqual({ service: 'checkout', slo: 'checkout-availability' });
    const byName = new Map(recording.map((r) => [r.record, r.expr]));
    expect(byName.get('slo:sli_error:ratio_rate30d')).toBe(
      'avg_over_time(slo:sli_error:ratio_rate5m{service="checkout",slo="checkout-availability"}[30d])',
    );
    expect(byName.get('slo:error_budget:ratio')).toBe('vector(0.005)');
    expect(byName.get('slo:error_budget_remaining:ratio')).toBe(
      '1 - slo:sli_error:ratio_rate30d{service="checkout",slo="checkout-availability"} / 0.005',
    );
    expect(validateRuleGroups([group])).toEqual([]);
  });

  it('alerts on the workbook table 5-8: page 14.4x (1h & 5m) and 6x (6h & 30m), ticket 3x (1d & 2h) and 1x (3d & 6h)', () => {
    expect(
      alerts.map((a) => [a.labels?.severity, a.labels?.long_window, a.labels?.short_window, a.for]),
    ).toEqual([
      ['page', '1h', '5m', '2m'],
      ['page', '6h', '30m', '15m'],
      ['ticket', '1d', '2h', '1h'],
      ['ticket', '3d', '6h', '3h'],
    ]);
    const page = alerts[0] as AlertingRule;
    expect(page.alert).toBe(SLO_BURN_ALERT);
    expect(page.expr).toBe(
      'slo:sli_error:ratio_rate1h{service="checkout",slo="checkout-availability"} > (14.4 * 0.005)\nand\n' +
        'slo:sli_error:ratio_rate5m{service="checkout",slo="checkout-availability"} > (14.4 * 0.005)',
    );
    expect(page.labels).toMatchObject({
      service: 'checkout',
      slo: 'checkout-availability',
      severity: 'page',
    });
    expect(page.annotations?.description).toContain(
      'above 7.2 %, 14.4 times the 0.5 % error budget of the 99.5 % / 30d objective',
    );
    expect(page.annotations?.description).toContain('2 % of the budget spent in 1h, all of it in 2d2h');
    expect(page.annotations?.runbook_url).toBe(
      'https://runbooks.test/slo-error-budget-burn?service=checkout&slo=checkout-availability',
    );
    expect(BURN_RATE_WINDOWS.map((w) => w.factor)).toEqual([14.4, 6, 3, 1]);
  });

  it('prints budgets as written, not as binary floating point', () => {
    expect(sloErrorBudget({ objective: 99.9 })).toBe(0.001);
    expect(sloErrorBudget({ objective: 99.95 })).toBe(0.0005);
    const nines = sloRuleGroup(
      'orders',
      sloSchema.parse({ name: 'o', objective: 99.9, indicator: { kind: 'availability' } }),
    );
    expect(nines.rules.some((r) => r.expr.includes('(14.4 * 0.001)'))).toBe(true);
  });

  it('does not record the SLO window twice when it is also an alert window', () => {
    const daily = sloRuleGroup(
      'x',
      sloSchema.parse({ name: 'd', objective: 99, window: '1d', indicator: { kind: 'availability' } }),
    );
    const records = daily.rules.filter((r): r is RecordingRule => !isAlertingRule(r)).map((r) => r.record);
    expect(records.filter((r) => r === 'slo:sli_error:ratio_rate1d')).toHaveLength(1);
  });

  it('gives each SLO its own group, services in order', () => {
    const groups = sloRuleGroups([
      { service: 'checkout', slos: [availability] },
      {
        service: 'orders',
        slos: [
          sloSchema.parse({
            name: 'orders-availability',
            objective: 99.9,
            indicator: { kind: 'availability' },
          }),
        ],
      },
    ]);
    expect(groups.map((g) => g.name)).toEqual([
      'slo:checkout:checkout-availability',
      'slo:orders:orders-availability',
    ]);
    expect(validateRuleGroups(groups)).toEqual([]);
  });
});
