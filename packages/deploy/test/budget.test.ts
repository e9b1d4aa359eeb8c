import { describe, expect, it } from 'vitest';
import {
  budgetForecasts,
  hourlyCostExpr,
  renderKubernetes,
  RenderError,
  validateManifests,
  type BudgetForecast,
} from '../src/index.js';
import { at, find, OPTIONS, specOf, svc } from './fixture.js';

// Round prices so every number below is computed by hand: a core-hour 0.04, a GiB-hour 0.01.
const prices = { cpuCoreHour: 0.04, memoryGiBHour: 0.01 };

/**
 * Per replica and month (730 h): api (500m, 1Gi) 0.03/h = 21.90; worker (the render's defaults 100m, 256Mi)
 * 0.0065/h = 4.745; web (250m, 512Mi) 0.015/h = 10.95.
 */
const services = {
  api: svc('api', { replicas: 2, resources: { cpu: '500m', memory: '1Gi' } }),
  worker: svc('worker'),
  web: svc('web', {
    resources: { cpu: '250m', memory: '512Mi' },
    autoscaling: { minReplicas: 1, maxReplicas: 4 },
  }),
};

const spec = specOf(services, {
  environments: {
    prod: {
      replicas: { api: 3 },
      resources: { worker: { memory: '512Mi' } },
      budget: { monthly: 100, prices },
    },
    // Up 60 of the week's 168 hours; outside, one replica of each scheduled service.
    staging: {
      namespace: 'demo-staging',
      schedule: { uptime: 'Mon-Fri 08:00-20:00 UTC', downtimeReplicas: 1, exclude: ['worker'] },
      budget: { monthly: 40, currency: 'EUR', prices, alertAtPercent: [120, 80, 100, 80] },
    },
    dev: {},
  },
  runtime: { budget: { monthly: 50, prices } },
});

const byName = (forecast: BudgetForecast, name: string) => forecast.services.find((s) => s.name === name)!;

describe('budget forecast', () => {
  it("applies an environment's replicas and resources, the render's default requests, and autoscaling bounds", () => {
    const [prod] = budgetForecasts(spec, 'prod');
    expect(prod!.namespace).toBe('demo');
    expect(byName(prod!, 'api').monthly.floor).toBeCloseTo(3 * 21.9, 6);
    // The environment's 512Mi over the default memory; CPU stays at the default 100m.
    expect(byName(prod!, 'worker').requests).toEqual({ cpuCores: 0.1, memoryBytes: 512 * 2 ** 20 });
    expect(byName(prod!, 'worker').monthly.floor).toBeCloseTo(6.57, 6);
    expect(byName(prod!, 'web').replicas).toEqual({ floor: 1, ceiling: 4 });
    expect(byName(prod!, 'web').monthly).toEqual({
      floor: expect.closeTo(10.95, 6) as number,
      ceiling: expect.closeTo(43.8, 6) as number,
    });
    // 65.70 + 6.57 + 10.95 = 83.22 of 100: the 80 % warning; at max scale 116.07.
    expect(prod!.monthly.floor).toBeCloseTo(83.22, 6);
    expect(prod!.monthly.ceiling).toBeCloseTo(116.07, 6);
    expect(prod!.percent.floor).toBeCloseTo(83.22, 6);
    expect(prod!.levels).toEqual([
      { percent: 80, severity: 'warning', reached: true },
      { percent: 100, severity: 'critical', reached: false },
      { percent: 120, severity: 'critical', reached: false },
    ]);
  });

  it('costs scheduled services at their replicas in uptime and downtimeReplicas outside, not the excluded ones', () => {
    const [staging] = budgetForecasts(spec, 'staging');
    const share = 60 / 168;
    const api = byName(staging!, 'api');
    expect(api.uptimeShare).toBeCloseTo(share, 9);
    expect(api.monthly.floor).toBeCloseTo(21.9 * (2 * share + (1 - share)), 6); // 29.7214
    expect(byName(staging!, 'worker').uptimeShare).toBe(1);
    expect(byName(staging!, 'worker').monthly.floor).toBeCloseTo(4.745, 6);
    expect(byName(staging!, 'web').monthly.ceiling).toBeCloseTo(10.95 * (4 * share + (1 - share)), 6);
    // 29.7214 + 4.745 + 10.95 = 45.4164 of 40 EUR: 113.5 %.
    expect(staging!.monthly.floor).toBeCloseTo(45.416429, 5);
    expect(staging!.percent.floor).toBeCloseTo(113.541071, 4);
    expect(staging!.levels.map((level) => [level.percent, level.reached])).toEqual([
      [80, true],
      [100, true],
      [120, false],
    ]);
  });

  it('forecasts every budgeted environment and the runtime (local) without --env', () => {
    const all = budgetForecasts(spec);
    expect(all.map((forecast) => forecast.environment)).toEqual(['prod', 'staging', 'local']);
    const local = all[2]!;
    expect(local.namespace).toBeUndefined();
    expect(local.monthly.floor).toBeCloseTo(2 * 21.9 + 4.745 + 10.95, 6);
    expect(budgetForecasts(spec, 'local')).toEqual([local]);
  });

  it('refuses an unknown environment, one without a budget, and a spec without any', () => {
    expect(() => budgetForecasts(spec, 'qa')).toThrow(
      new RenderError('env: "qa" is not an environment of the spec (with a budget: prod, staging, local)'),
    );
    expect(() => budgetForecasts(spec, 'dev')).toThrow(/^environments\.dev: has no budget/);
    expect(() => budgetForecasts(specOf(services))).toThrow(/^no budget in the spec/);
  });
});

describe('budget PrometheusRule', () => {
  it('is rendered for an environment with a budget only, and validates', () => {
    expect(renderKubernetes(spec, OPTIONS).some((o) => o.kind === 'PrometheusRule')).toBe(false);
    expect(renderKubernetes(spec, { ...OPTIONS, env: 'dev' }).some((o) => o.kind === 'PrometheusRule')).toBe(
      false,
    );
    const objects = renderKubernetes(spec, { ...OPTIONS, env: 'staging' });
    expect(validateManifests(objects)).toEqual([]);
    const rule = find(objects, 'PrometheusRule', 'opsloop-budget');
    expect(rule.metadata.namespace).toBe('demo-staging');
    expect(rule.metadata.labels?.['opsloop.dev/environment']).toBe('staging');
  });

  it('records the namespace cost per hour and alerts per level on the monthly run rate', () => {
    const rule = find(
      renderKubernetes(spec, { ...OPTIONS, env: 'prod' }),
      'PrometheusRule',
      'opsloop-budget',
    );
    const [group] = at(rule, 'spec.groups') as { rules: Record<string, unknown>[] }[];
    const [record, ...alerts] = group!.rules;
    expect(record).toEqual({
      record: 'namespace:opsloop_compute_cost_hourly:sum',
      expr: hourlyCostExpr('demo', prices),
    });
    expect(record!.expr).toContain('kube_pod_container_resource_requests{namespace="demo",resource="cpu"}');
    expect(record!.expr).toContain(
      '/ 1073741824 * 0.01 or label_replace(vector(0), "namespace", "demo", "", "")',
    );
    expect(
      alerts.map((alert) => [
        alert.alert,
        alert.expr,
        alert.for,
        (alert.labels as { severity: string }).severity,
      ]),
    ).toEqual([
      [
        'OpsloopBudget80',
        'namespace:opsloop_compute_cost_hourly:sum{namespace="demo"} * 730 >= 80',
        '1h',
        'warning',
      ],
      [
        'OpsloopBudget100',
        'namespace:opsloop_compute_cost_hourly:sum{namespace="demo"} * 730 >= 100',
        '1h',
        'critical',
      ],
      [
        'OpsloopBudget120',
        'namespace:opsloop_compute_cost_hourly:sum{namespace="demo"} * 730 >= 120',
        '1h',
        'critical',
      ],
    ]);
    expect(alerts[0]!.annotations).toMatchObject({ budget: '100', currency: 'USD' });
  });

  it("judges a scheduled environment on its last week's average, not its uptime rate", () => {
    const rule = find(
      renderKubernetes(spec, { ...OPTIONS, env: 'staging' }),
      'PrometheusRule',
      'opsloop-budget',
    );
    const [group] = at(rule, 'spec.groups') as { rules: Record<string, unknown>[] }[];
    const [, weekly, ...alerts] = group!.rules;
    expect(weekly).toEqual({
      record: 'namespace:opsloop_compute_cost_hourly:avg1w',
      expr: 'sum_over_time(namespace:opsloop_compute_cost_hourly:sum{namespace="demo-staging"}[1w]) / 10080',
    });
    expect(alerts.map((alert) => alert.expr)).toEqual([
      'namespace:opsloop_compute_cost_hourly:avg1w{namespace="demo-staging"} * 730 >= 32',
      'namespace:opsloop_compute_cost_hourly:avg1w{namespace="demo-staging"} * 730 >= 40',
      'namespace:opsloop_compute_cost_hourly:avg1w{namespace="demo-staging"} * 730 >= 48',
    ]);
    expect(alerts[0]!.annotations).toMatchObject({ budget: '40', currency: 'EUR' });
    expect((alerts[0]!.annotations as { description: string }).description).toContain(
      "at last week's average rate",
    );
  });

  it('is refused by validation when a rule has neither record nor alert', () => {
    const rule = find(
      renderKubernetes(spec, { ...OPTIONS, env: 'prod' }),
      'PrometheusRule',
      'opsloop-budget',
    );
    const broken = structuredClone(rule);
    delete (at(broken, 'spec.groups.0.rules.0') as { record?: string }).record;
    expect(validateManifests([broken])).toEqual([
      'PrometheusRule/opsloop-budget: spec.groups.0.rules.0: expected exactly one of record, alert in a rule',
    ]);
  });
});
