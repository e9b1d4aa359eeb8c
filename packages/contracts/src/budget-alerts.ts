/**
 * The alerts of a compute budget, named and graded the same on Kubernetes (the PrometheusRule) and in the
 * local runtime, so a runbook or a silence matches both.
 */

/** Severity of the alert at `percent` of a budget: a warning below 100 % (time to look), then critical. */
export const budgetAlertSeverity = (percent: number): 'warning' | 'critical' =>
  percent < 100 ? 'warning' : 'critical';

/** The alert at `percent` of a budget: `OpsloopBudget80` (a fractional level as `OpsloopBudget92_5`). */
export const budgetAlertName = (percent: number): string =>
  `OpsloopBudget${String(percent).replace('.', '_')}`;

/** An amount without float noise (320 × 0.8 is 256 here, not 256.00000000000003), for rules and messages. */
export const budgetAmount = (value: number): string => String(Number(value.toFixed(6)));

/** Interval of the budget rule groups: the weekly average below counts on one sample a minute. */
export const BUDGET_RULE_INTERVAL = '1m';

/**
 * The hourly cost averaged over the last week, for a scheduled environment: its run rate during uptime
 * says nothing of its month. Missing samples count as 0, so the first week reads low, never high.
 */
export const weeklyAverageExpr = (hourlyCostSeries: string): string =>
  `sum_over_time(${hourlyCostSeries}[1w]) / ${7 * 24 * 60}`;
