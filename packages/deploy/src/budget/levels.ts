import { budgetAlertSeverity } from '@opsloop/contracts';

/** One alert level of a budget. */
export interface BudgetLevel {
  /** % of the monthly budget. */
  readonly percent: number;
  /** Below 100 % a warning (time to look), from 100 % critical (the budget is spent). */
  readonly severity: 'warning' | 'critical';
  /** Whether the amount judged reaches it. */
  readonly reached: boolean;
}

/** The levels (sorted, as the schema keeps them) and which ones `percent` reaches. */
export function budgetLevels(alertAtPercent: readonly number[], percent: number): BudgetLevel[] {
  return alertAtPercent.map((level) => ({
    percent: level,
    severity: budgetAlertSeverity(level),
    reached: percent >= level,
  }));
}
