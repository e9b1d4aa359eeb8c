import { formatDuration, parseDuration } from './prom-duration.js';
import { promqlString } from './promql-text.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule-types.js';
import { sloErrorRatioExpr } from './slo-indicator.js';
import type { Slo } from './slo-schema.js';

/** Windows over which each SLO's error ratio is recorded (`slo:sli_error:ratio_rate<window>`). */
export const SLO_ERROR_RATIO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** Name of every SLO burn-rate alert; `severity`, `service`, `slo` and the windows tell them apart. */
export const SLO_BURN_ALERT = 'SLOErrorBudgetBurn';

/** One line of the SRE workbook's multi-window, multi-burn-rate table. */
export interface BurnRateWindow {
  readonly severity: 'page' | 'ticket';
  /** Burn rate (multiple of the budget-neutral error ratio) both windows must exceed. */
  readonly factor: number;
  readonly long: (typeof SLO_ERROR_RATIO_WINDOWS)[number];
  readonly short: (typeof SLO_ERROR_RATIO_WINDOWS)[number];
  /** How long both conditions must hold before the alert fires (as Pyrra picks them). */
  readonly for: string;
}

/**
 * The Site Reliability Workbook's table 5-8 (ch. 5, "Alerting on SLOs"): page at 2 % of a 30-day budget in
 * 1h or 5 % in 6h, ticket at 10 % in 1d or 3d. The short window makes the alert stop soon after the burn does.
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { severity: 'page', factor: 14.4, long: '1h', short: '5m', for: '2m' },
  { severity: 'page', factor: 6, long: '6h', short: '30m', for: '15m' },
  { severity: 'ticket', factor: 3, long: '1d', short: '2h', for: '1h' },
  { severity: 'ticket', factor: 1, long: '3d', short: '6h', for: '3h' },
];

/** Options of {@link sloRuleGroup}. */
export interface SloRuleOptions {
  /** Base of the runbook links in alert annotations (a placeholder until runbooks exist). */
  runbookBaseUrl?: string;
  /** Evaluation interval of the group; 1m by default. */
  interval?: string;
}

/** The error budget of an SLO as a ratio (99.5 → 0.005), rounded so it prints as written. */
export function sloErrorBudget(slo: Pick<Slo, 'objective'>): number {
  return round((100 - slo.objective) / 100);
}

function round(x: number): number {
  return Number(x.toPrecision(12));
}

function percent(ratio: number): string {
  return `${round(ratio * 100)} %`;
}

const ratioRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;

/**
 * Rules of one SLO, in one group so they evaluate in order: the error ratio over 5m … 3d and over the SLO
 * window (averaged from the 5m series, as Sloth does, so no query scans 30 days of raw samples), the
 * objective and budget as series for dashboards, the remaining error budget, and the four burn-rate alerts
 * of {@link BURN_RATE_WINDOWS} labelled {service, slo, severity}.
 */
export function sloRuleGroup(service: string, slo: Slo, options: SloRuleOptions = {}): RuleGroup {
  const labels = { service, slo: slo.name };
  const filter = `{service=${promqlString(service)},slo=${promqlString(slo.name)}}`;
  const budget = sloErrorBudget(slo);
  const windowMs = parseDuration(slo.window);
  const rules: (RecordingRule | AlertingRule)[] = SLO_ERROR_RATIO_WINDOWS.map((window) => ({
    record: ratioRecord(window),
    expr: sloErrorRatioExpr(service, slo.indicator, window),
    labels,
  }));
  // A window that is also an alert window (e.g. 1d) is recorded already, from the raw counters.
  if (!(SLO_ERROR_RATIO_WINDOWS as readonly string[]).includes(slo.window)) {
    rules.push({
      record: ratioRecord(slo.window),
      expr: `avg_over_time(${ratioRecord('5m')}${filter}[${slo.window}])`,
      labels,
    });
  }
  rules.push(
    { record: 'slo:objective:ratio', expr: `vector(${round(slo.objective / 100)})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels },
    { record: 'slo:time_period:days', expr: `vector(${round(windowMs / 86_400_000)})`, labels },
    {
      record: 'slo:error_budget_remaining:ratio',
      expr: `1 - ${ratioRecord(slo.window)}${filter} / ${budget}`,
      labels,
    },
  );
  const runbook = `${options.runbookBaseUrl ?? 'https://runbooks.example.com/opsloop'}/slo-error-budget-burn`;
  for (const w of BURN_RATE_WINDOWS) {
    const threshold = `(${w.factor} * ${budget})`;
    const spent = percent((w.factor * parseDuration(w.long)) / windowMs);
    const exhausted = formatDuration(Math.round(windowMs / w.factor / 60_000) * 60_000);
    rules.push({
      alert: SLO_BURN_ALERT,
      expr: `${ratioRecord(w.long)}${filter} > ${threshold}\nand\n${ratioRecord(w.short)}${filter} > ${threshold}`,
      for: w.for,
      labels: { ...labels, severity: w.severity, long_window: w.long, short_window: w.short },
      annotations: {
        summary: `{{ $labels.service }}: SLO {{ $labels.slo }} is burning its error budget ${w.factor}x too fast`,
        description:
          `Error ratio {{ $value | humanizePercentage }} over the last ${w.long} (and still over ${w.short}) ` +
          `is above ${percent(w.factor * budget)}, ${w.factor} times the ${percent(budget)} error budget of the ` +
          `${slo.objective} % / ${slo.window} objective: ${spent} of the budget spent in ${w.long}, ` +
          `all of it in ${exhausted} at this rate.`,
        runbook_url: `${runbook}?service=${encodeURIComponent(service)}&slo=${encodeURIComponent(slo.name)}`,
      },
    });
  }
  return { name: `slo:${service}:${slo.name}`, interval: options.interval ?? '1m', rules };
}

/** The rule groups of every service's SLOs, services and SLOs in the given order. */
export function sloRuleGroups(
  services: readonly { readonly service: string; readonly slos: readonly Slo[] }[],
  options: SloRuleOptions = {},
): RuleGroup[] {
  return services.flatMap(({ service, slos }) => slos.map((slo) => sloRuleGroup(service, slo, options)));
}
