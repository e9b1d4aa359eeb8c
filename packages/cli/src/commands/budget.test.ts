import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { weeklyAverageExpr } from '@opsloop/contracts';
import { budgetForecasts, hourlyCostExpr, type BudgetForecast } from '@opsloop/deploy';
import { validateSpec } from '@opsloop/runtime';
import { createPromqlEngine, MemoryQuerier, type MemorySeriesInput } from '@opsloop/telemetry';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli } from '../testing/built-cli.js';

// Round prices so the numbers are computed by hand: a core-hour 0.04, a GiB-hour 0.01.
const prices = { cpuCoreHour: 0.04, memoryGiBHour: 0.01 };

/**
 * Per replica and month (730 h): api (500m, 1Gi) 0.03/h = 21.90; worker (the render's defaults 100m,
 * 256Mi) 0.0065/h = 4.745; web (250m, 512Mi) 0.015/h = 10.95, autoscaled 1 to 4.
 */
const SPEC = {
  apiVersion: 'opsloop.dev/v1alpha1',
  kind: 'System',
  metadata: { name: 'demo' },
  services: {
    api: { command: ['node', 'api.js'], replicas: 2, resources: { cpu: '500m', memory: '1Gi' } },
    worker: { command: ['node', 'worker.js'] },
    web: {
      command: ['node', 'web.js'],
      resources: { cpu: '250m', memory: '512Mi' },
      autoscaling: { minReplicas: 1, maxReplicas: 4 },
    },
  },
  environments: {
    // 3 × 21.90 + 4.745 + 10.95 = 81.395 of 100 (at max scale: 114.245).
    prod: { replicas: { api: 3 }, budget: { monthly: 100, prices } },
    // 2 × 21.90 + 4.745 + 10.95 = 59.495 of 50: 119.0 %.
    staging: { namespace: 'demo-staging', budget: { monthly: 50, currency: 'EUR', prices } },
    // 59.495 of 200: 29.7 %.
    qa: { budget: { monthly: 200, prices } },
    dev: {},
  },
};

let dir: string;
let specPath: string;

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'opsloop-budget-'));
  specPath = join(dir, 'opsloop.yaml');
  writeFileSync(specPath, stringify(SPEC));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runBuiltCli(dir, 30_000, ['budget', '-f', specPath, ...args]);

describe('opsloop budget', () => {
  it('prints per service replicas, requests and monthly cost, then the total against the budget', () => {
    const result = cli('--env', 'prod');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'prod (namespace demo), prices per hour: 0.04 USD per CPU core, 0.01 per GiB',
      'SERVICE  REPLICAS  CPU   MEMORY  UPTIME  MONTHLY USD',
      'api      3         500m  1Gi     always  65.70',
      'web      1-4       250m  512Mi   always  10.95 (max 43.80)',
      'worker   1         100m  256Mi   always  4.75',
      'forecast 81.40 USD a month: 81.4 % of 100.00 USD; at max scale: 114.25 USD (114.2 %)',
      'alerts: 80 % warning reached',
      '',
    ]);
  });

  it('without --env, forecasts every environment with a budget; --check exits 1 when one reaches 100 %', () => {
    const all = cli();
    expect(all.code).toBe(0);
    expect(all.stdout.match(/^\w+ \(namespace [\w-]+\)/gm)).toEqual([
      'prod (namespace demo)',
      'qa (namespace demo)',
      'staging (namespace demo-staging)',
    ]);
    expect(all.stdout).toContain(
      'forecast 59.49 USD a month: 29.7 % of 200.00 USD; at max scale: 92.34 USD (46.2 %)\nalerts: none reached (first at 80 %)\n',
    );
    expect(all.stdout).toContain(
      'forecast 59.49 EUR a month: 119.0 % of 50.00 EUR; at max scale: 92.34 EUR (184.7 %)\nalerts: 80 % warning reached, 100 % critical reached\n',
    );
    expect(cli('--check').code).toBe(1);
    expect(cli('--check', '--env', 'staging').code).toBe(1);
    expect(cli('--check', '--env', 'prod').code).toBe(0);
    expect(cli('--check', '--env', 'qa').code).toBe(0);
  }, 60_000);

  it('-o json gives the forecast with its numbers', () => {
    const result = cli('--env', 'staging', '-o', 'json');
    expect(result.code).toBe(0);
    const [staging] = JSON.parse(result.stdout) as BudgetForecast[];
    expect(staging!.monthly.floor).toBeCloseTo(59.495, 6);
    expect(staging!.percent.floor).toBeCloseTo(118.99, 6);
    expect(staging!.levels.map((level) => level.reached)).toEqual([true, true, false]);
    expect(staging!.services.find((s) => s.name === 'worker')!.requests).toEqual({
      cpuCores: 0.1,
      memoryBytes: 256 * 2 ** 20,
    });
  });

  it('refuses an unknown environment and one without a budget in one line', () => {
    expect(expectOneLineError(cli('--env', 'nope'))).toBe(
      'opsloop: env: "nope" is not an environment of the spec (with a budget: prod, qa, staging)',
    );
    expect(expectOneLineError(cli('--env', 'dev'))).toBe(
      'opsloop: environments.dev: has no budget (with a budget: prod, qa, staging)',
    );
  });
});

describe('the run-rate rule and the forecast agree', () => {
  it("the PrometheusRule's hourly cost over kube-state-metrics series is the forecast's", async () => {
    const spec = validateSpec(SPEC);
    const [prod] = budgetForecasts(spec, 'prod');
    const at = 60_000;
    const series: MemorySeriesInput[] = [];
    const sample = (labels: Record<string, string>, value: number) =>
      series.push({ labels, samples: [[at, value]] });
    for (const cost of prod!.services)
      for (let i = 0; i < cost.replicas.floor; i++) {
        const pod = { namespace: 'demo', pod: `${cost.name}-${i}`, container: cost.name };
        const requests = { ...pod, __name__: 'kube_pod_container_resource_requests' };
        sample({ ...requests, resource: 'cpu', unit: 'core' }, cost.requests.cpuCores);
        sample({ ...requests, resource: 'memory', unit: 'byte' }, cost.requests.memoryBytes);
        sample({ __name__: 'kube_pod_status_phase', ...pod, phase: 'Running' }, 1);
        sample({ __name__: 'kube_pod_status_phase', ...pod, phase: 'Succeeded' }, 0);
      }
    // A finished pod keeps its requests in kube-state-metrics but reserves nothing: not counted.
    const done = { namespace: 'demo', pod: 'migrate-1', container: 'migrate' };
    sample({ ...done, __name__: 'kube_pod_container_resource_requests', resource: 'cpu' }, 4);
    sample({ ...done, __name__: 'kube_pod_status_phase', phase: 'Succeeded' }, 1);
    // Another namespace's pods are not counted either.
    sample(
      { namespace: 'other', pod: 'x', __name__: 'kube_pod_container_resource_requests', resource: 'cpu' },
      8,
    );
    sample({ namespace: 'other', pod: 'x', __name__: 'kube_pod_status_phase', phase: 'Running' }, 1);

    const engine = createPromqlEngine({ querier: new MemoryQuerier(series) });
    const result = await engine.instantQuery(hourlyCostExpr('demo', prices), at);
    expect(result.resultType).toBe('vector');
    if (result.resultType !== 'vector') return;
    expect(result.result).toHaveLength(1);
    expect(result.result[0]!.metric).toEqual({ namespace: 'demo' });
    expect(result.result[0]!.value * 730).toBeCloseTo(prod!.monthly.floor, 6);

    // A namespace scaled to zero costs 0 (a series, so that a weekly average counts the downtime).
    const empty = await engine.instantQuery(hourlyCostExpr('idle', prices), at);
    expect(empty.resultType === 'vector' && empty.result.map((s) => [s.metric, s.value])).toEqual([
      [{ namespace: 'idle' }, 0],
    ]);
  });

  it("the weekly average of a scheduled namespace is its cost over the week's minutes", async () => {
    // Up a third of the week at 0.30 an hour, down (0) the rest: 0.10 an hour on average.
    const end = 7 * 24 * 3_600_000;
    const samples = Array.from(
      { length: 10_080 },
      (_, i) => [end - (10_079 - i) * 60_000, i < 3_360 ? 0.3 : 0] as const,
    );
    const engine = createPromqlEngine({
      querier: new MemoryQuerier([
        { labels: { __name__: 'namespace:opsloop_compute_cost_hourly:sum', namespace: 'demo' }, samples },
      ]),
    });
    const expr = weeklyAverageExpr('namespace:opsloop_compute_cost_hourly:sum{namespace="demo"}');
    const result = await engine.instantQuery(expr, end);
    expect(result.resultType === 'vector' && result.result.map((s) => [s.metric, s.value])).toEqual([
      [{ namespace: 'demo' }, expect.closeTo(0.1, 9)],
    ]);
  });
});
