import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@opsloop/kit';
import { createTelemetryBackend, isStaleNaN, type PostableAlert } from '@opsloop/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetSpecSchema } from '../spec/operations-schema.js';
import {
  budgetRuleGroup,
  COMPUTE_COST_METRIC,
  startBudgetWatch,
  type ServiceCompute,
} from './budget-watch.js';

// A core-hour 0.04, a GiB-hour 0.01: api (500m, 1Gi) costs 0.03 an hour, 21.90 a month per replica.
const budget = budgetSpecSchema.parse({ monthly: 20, prices: { cpuCoreHour: 0.04, memoryGiBHour: 0.01 } });
const GIB = 2 ** 30;

describe('budget watch', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes each service’s hourly cost every minute, and a stale marker for a service gone', () => {
    const clock = createManualClock(Date.UTC(2026, 11, 7));
    const samples: [string, number, number][] = [];
    const appender = {
      append: (labels: Record<string, string>, at: number, value: number) =>
        void samples.push([labels['service']!, at - Date.UTC(2026, 11, 7), value]),
      commit: () => Promise.resolve(),
    };
    let services: ServiceCompute[] = [
      { service: 'api', replicas: 2, resources: { cpu: 0.5, memory: GIB } },
      // The render's defaults (100m, 256Mi): 0.004 + 0.0025.
      { service: 'worker', replicas: 1, resources: {} },
    ];
    const watch = startBudgetWatch({ appender, clock, budget, services: () => services });
    clock.advance(60_000);
    services = [{ service: 'api', replicas: 3, resources: { cpu: 0.5, memory: GIB } }];
    clock.advance(60_000);
    watch.stop();
    clock.advance(600_000);
    expect(samples.map(([service, at, value]) => [service, at, isStaleNaN(value) ? 'stale' : value])).toEqual(
      [
        ['api', 0, expect.closeTo(0.06, 9)],
        ['worker', 0, expect.closeTo(0.0065, 9)],
        ['api', 60_000, expect.closeTo(0.06, 9)],
        ['worker', 60_000, expect.closeTo(0.0065, 9)],
        ['api', 120_000, expect.closeTo(0.09, 9)],
        ['worker', 120_000, 'stale'],
      ],
    );
  });

  it('fires OpsloopBudget<level> after an hour at or over the level, and resolves when the cost drops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsloop-budget-watch-'));
    dirs.push(dir);
    const clock = createManualClock(Date.UTC(2026, 11, 7));
    const notified: PostableAlert[] = [];
    const backend = await createTelemetryBackend({
      dir,
      clock,
      rules: [budgetRuleGroup(budget)],
      notify: (alerts) => notified.push(...alerts),
    });
    // One api replica: 21.90 of 20 a month, 109.5 %: over 80 and 100, under 120.
    let replicas = 1;
    const watch = startBudgetWatch({
      appender: backend.tsdb,
      clock,
      budget,
      services: () => [{ service: 'api', replicas, resources: { cpu: 0.5, memory: GIB } }],
    });
    const minutes = async (count: number) => {
      for (let i = 0; i < count; i++) {
        clock.advance(60_000);
        await backend.rules.idle();
      }
    };
    const states = () =>
      Object.fromEntries(backend.rules.alerts().map((alert) => [alert.labels['alertname'], alert.state]));
    try {
      await minutes(5);
      expect(states()).toEqual({ OpsloopBudget80: 'pending', OpsloopBudget100: 'pending' });
      await minutes(60);
      expect(states()).toEqual({ OpsloopBudget80: 'firing', OpsloopBudget100: 'firing' });
      const fired = notified.find((alert) => alert.labels['alertname'] === 'OpsloopBudget100')!;
      expect(fired.labels).toMatchObject({ severity: 'critical', environment: 'local' });
      expect(fired.annotations['description']).toMatch(
        /^The running replicas' requests cost 21\.90 USD a month/,
      );
      expect(backend.rules.alerts()[0]!.value).toBeCloseTo(21.9, 6);

      replicas = 0;
      await minutes(2);
      expect(states()).toEqual({});
      const last = notified.filter((alert) => alert.labels['alertname'] === 'OpsloopBudget80').at(-1)!;
      expect(last.endsAtMs).toBeLessThanOrEqual(clock.now());
    } finally {
      watch.stop();
      await backend.close();
    }
  });

  it('names the series the rules read', () => {
    expect(budgetRuleGroup(budget).rules[0]).toEqual({
      record: 'opsloop:compute_cost_hourly:sum',
      expr: `sum(${COMPUTE_COST_METRIC})`,
    });
    expect(
      budgetRuleGroup(budget)
        .rules.slice(1)
        .map((rule) => 'alert' in rule && [rule.alert, rule.expr]),
    ).toEqual([
      ['OpsloopBudget80', 'opsloop:compute_cost_hourly:sum * 730 >= 16'],
      ['OpsloopBudget100', 'opsloop:compute_cost_hourly:sum * 730 >= 20'],
      ['OpsloopBudget120', 'opsloop:compute_cost_hourly:sum * 730 >= 24'],
    ]);
    // With runtime.schedule: the last week's average, as on Kubernetes.
    const scheduled = budgetRuleGroup(budget, true).rules;
    expect(scheduled[1]).toEqual({
      record: 'opsloop:compute_cost_hourly:avg1w',
      expr: 'sum_over_time(opsloop:compute_cost_hourly:sum[1w]) / 10080',
    });
    expect('alert' in scheduled[2]! && scheduled[2].expr).toBe(
      'opsloop:compute_cost_hourly:avg1w * 730 >= 16',
    );
  });
});
