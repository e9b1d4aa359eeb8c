import {
  BUDGET_RULE_INTERVAL,
  budgetAlertName,
  budgetAlertSeverity,
  budgetAmount,
  computeRequests,
  HOURS_PER_MONTH,
  hourlyComputeCost,
  weeklyAverageExpr,
} from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { STALE_NAN, type RuleGroup, type SampleAppender } from '@opsloop/telemetry';
import type { BudgetSpec } from '../spec/operations-schema.js';

/** Gauge the runtime writes per service: what its replicas' requests cost per hour at the budget's prices. */
export const COMPUTE_COST_METRIC = 'opsloop_compute_cost_hourly';

/** Recording of the runtime's total cost per hour (the Kubernetes twin records it per namespace). */
export const COMPUTE_COST_RECORD = 'opsloop:compute_cost_hourly:sum';

/** Recording of the total cost per hour averaged over the last week (with `runtime.schedule`). */
export const WEEKLY_COST_RECORD = 'opsloop:compute_cost_hourly:avg1w';

/**
 * The rules of `runtime.budget`: the total cost per hour recorded, and per alert level `OpsloopBudget<level>`
 * when the monthly run rate (× 730 h) stays at or over the level's share of the budget for an hour: the
 * PrometheusRule's shape and names, over the runtime's own gauge instead of kube-state-metrics. With a
 * schedule (`scheduled`), the alerts judge the last week's average: the rate during uptime would alarm daily.
 */
export function budgetRuleGroup(budget: BudgetSpec, scheduled = false): RuleGroup {
  const amount = (value: number) => `${budgetAmount(value)} ${budget.currency}`;
  const judged = scheduled ? WEEKLY_COST_RECORD : COMPUTE_COST_RECORD;
  return {
    name: 'opsloop-budget',
    interval: BUDGET_RULE_INTERVAL,
    rules: [
      { record: COMPUTE_COST_RECORD, expr: `sum(${COMPUTE_COST_METRIC})` },
      ...(scheduled ? [{ record: WEEKLY_COST_RECORD, expr: weeklyAverageExpr(COMPUTE_COST_RECORD) }] : []),
      ...budget.alertAtPercent.map((percent) => ({
        alert: budgetAlertName(percent),
        expr: `${judged} * ${HOURS_PER_MONTH} >= ${budgetAmount((budget.monthly * percent) / 100)}`,
        for: '1h',
        labels: { severity: budgetAlertSeverity(percent), environment: 'local' },
        annotations: {
          summary: `local: compute runs at ${percent} % or more of its monthly budget (${amount(budget.monthly)})`,
          description:
            `The running replicas' requests cost {{ $value | printf "%.2f" }} ${budget.currency} a month at ` +
            `${scheduled ? "last week's average rate" : 'this rate'} (${HOURS_PER_MONTH} h): ${percent} % of the budget is ${amount((budget.monthly * percent) / 100)}. ` +
            'Forecast per service: opsloop budget --env local.',
          budget: budgetAmount(budget.monthly),
          currency: budget.currency,
        },
      })),
    ],
  };
}

/** A service as the budget watch prices it. */
export interface ServiceCompute {
  service: string;
  /** Replicas that hold resources now (started, ready or not). */
  replicas: number;
  /** The spec's requests (cores, bytes); the render's defaults fill what is absent. */
  resources: { cpu?: number | undefined; memory?: number | undefined };
}

/** Options of {@link startBudgetWatch}. */
export interface BudgetWatchOptions {
  appender: SampleAppender;
  clock: Clock;
  budget: BudgetSpec;
  services: () => Iterable<ServiceCompute>;
  /** How often the gauge is written; a minute by default (the rules' interval). */
  intervalMs?: number;
}

/** The running watch. */
export interface BudgetWatch {
  /** Writes the gauge now (also done on the timer). */
  sample(): void;
  stop(): void;
}

/**
 * Writes {@link COMPUTE_COST_METRIC} for every service every minute: running replicas × their requests ×
 * the budget's prices, as {@link budgetRuleGroup} reads it. A service that is gone gets a staleness marker,
 * so its last cost stops counting at once.
 */
export function startBudgetWatch(options: BudgetWatchOptions): BudgetWatch {
  const { appender, clock, budget } = options;
  let previous = new Set<string>();
  let timer: TimerHandle | null = null;
  let stopped = false;
  const append = (service: string, at: number, value: number) => {
    try {
      appender.append({ __name__: COMPUTE_COST_METRIC, service }, at, value);
    } catch {
      // A second sample in the same millisecond (a sample() right after the timer's): nothing new.
    }
  };

  const sample = () => {
    const at = clock.now();
    const current = new Set<string>();
    for (const { service, replicas, resources } of options.services()) {
      current.add(service);
      append(service, at, hourlyComputeCost(replicas, computeRequests(resources), budget.prices));
    }
    for (const service of previous) if (!current.has(service)) append(service, at, STALE_NAN);
    previous = current;
  };

  const loop = () => {
    timer = clock.after(options.intervalMs ?? 60_000, () => {
      if (stopped) return;
      sample();
      loop();
    });
  };
  sample();
  loop();

  return {
    sample,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
