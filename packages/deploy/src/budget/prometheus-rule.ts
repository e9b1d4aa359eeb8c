import {
  BUDGET_RULE_INTERVAL,
  budgetAlertName,
  budgetAlertSeverity,
  budgetAmount,
  BYTES_PER_GIB,
  HOURS_PER_MONTH,
  weeklyAverageExpr,
} from '@opsloop/contracts';
import type { BudgetSpec } from '@opsloop/runtime';
import type { z } from 'zod';
import type { prometheusRuleSchema } from '../crd-schemas.js';
import { typedObject, type K8sObject } from '../k8s-object.js';

/** The recording rule of a namespace's compute cost per hour, from kube-state-metrics' requests. */
export const HOURLY_COST_RECORD = 'namespace:opsloop_compute_cost_hourly:sum';

/** Name of the PrometheusRule of an environment's budget. */
export const BUDGET_RULE_NAME = 'opsloop-budget';

const number = budgetAmount;

/**
 * Requests of the namespace's pods that hold resources (Pending or Running, as kube-prometheus counts them:
 * a finished Job's pod keeps its requests in kube-state-metrics but reserves nothing).
 */
const requests = (namespace: string, resource: 'cpu' | 'memory'): string =>
  `sum by (namespace) (kube_pod_container_resource_requests{namespace="${namespace}",resource="${resource}"} ` +
  `* on (namespace, pod) group_left () max by (namespace, pod) ` +
  `(kube_pod_status_phase{namespace="${namespace}",phase=~"Pending|Running"} == 1))`;

/**
 * The PromQL of the namespace's compute cost per hour: requested cores and GiB × the budget's prices, and 0
 * when no pod runs (scaled to zero costs nothing, and a weekly average must see it).
 */
export function hourlyCostExpr(namespace: string, prices: BudgetSpec['prices']): string {
  return (
    `${requests(namespace, 'cpu')} * ${number(prices.cpuCoreHour)} + ` +
    `${requests(namespace, 'memory')} / ${BYTES_PER_GIB} * ${number(prices.memoryGiBHour)} ` +
    `or label_replace(vector(0), "namespace", "${namespace}", "", "")`
  );
}

/** The recording of a scheduled namespace's hourly cost averaged over the last week. */
export const WEEKLY_COST_RECORD = 'namespace:opsloop_compute_cost_hourly:avg1w';

type PrometheusRule = z.input<typeof prometheusRuleSchema>;

/** Inputs of {@link renderBudgetRule}. */
export interface BudgetRuleInput {
  environment: string;
  namespace: string;
  budget: BudgetSpec;
  /** Whether the environment has a schedule: then the alerts judge the last week's average, not the hour. */
  scheduled: boolean;
  labels: Record<string, string>;
}

/**
 * The PrometheusRule (Prometheus Operator) of an environment's budget: the namespace's cost per hour
 * recorded from what its pods request, and per alert level `OpsloopBudget<level>` when the monthly run rate
 * (that × 730 h) stays at or over the level's share of the budget for an hour (warning below 100 %, critical
 * from 100 %). The run rate follows what is deployed now, replicas added by autoscalers included. A
 * scheduled environment is judged on its last week's average instead: its rate during uptime would alarm
 * every working day.
 */
export function renderBudgetRule(input: BudgetRuleInput): K8sObject {
  const { environment, namespace, budget, labels, scheduled } = input;
  const hourly = `${HOURLY_COST_RECORD}{namespace="${namespace}"}`;
  const judged = scheduled ? `${WEEKLY_COST_RECORD}{namespace="${namespace}"}` : hourly;
  const rate = scheduled ? "at last week's average rate" : 'at this rate';
  const amount = (value: number) => `${number(value)} ${budget.currency}`;
  return typedObject<PrometheusRule>({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: BUDGET_RULE_NAME, namespace, labels },
    spec: {
      groups: [
        {
          name: 'opsloop-budget',
          interval: BUDGET_RULE_INTERVAL,
          rules: [
            { record: HOURLY_COST_RECORD, expr: hourlyCostExpr(namespace, budget.prices) },
            ...(scheduled ? [{ record: WEEKLY_COST_RECORD, expr: weeklyAverageExpr(hourly) }] : []),
            ...budget.alertAtPercent.map((percent) => ({
              alert: budgetAlertName(percent),
              expr: `${judged} * ${HOURS_PER_MONTH} >= ${number((budget.monthly * percent) / 100)}`,
              for: '1h',
              labels: { severity: budgetAlertSeverity(percent), environment },
              annotations: {
                summary: `${environment}: compute runs at ${percent} % or more of its monthly budget (${amount(budget.monthly)})`,
                description:
                  `The requests of namespace ${namespace} cost {{ $value | printf "%.2f" }} ${budget.currency} ` +
                  `a month ${rate} (${HOURS_PER_MONTH} h): ${percent} % of the budget is ` +
                  `${amount((budget.monthly * percent) / 100)}. Forecast per service: opsloop budget --env ${environment}.`,
                budget: number(budget.monthly),
                currency: budget.currency,
              },
            })),
          ],
        },
      ],
    },
  });
}
