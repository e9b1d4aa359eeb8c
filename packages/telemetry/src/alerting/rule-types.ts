/**
 * Prometheus rule groups as data: what the SLO and golden-signal generators produce, what the rule file
 * renderer writes and what the embedded rule evaluator runs. Field meanings are Prometheus's own
 * (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/); durations are Prometheus
 * duration strings (`5m`) so a group renders to a rule file unchanged.
 */

/** Label names → values (label values of alerting rules may hold `{{ $labels.x }}` templates). */
export type RuleLabels = Readonly<Record<string, string>>;

/** A recording rule: `expr`'s result, stored as series named `record`. */
export interface RecordingRule {
  /** The output metric name, `level:metric:operations` (e.g. `service:http_requests:rate5m`). */
  readonly record: string;
  /** PromQL, evaluated at each group evaluation. */
  readonly expr: string;
  /** Labels added to (or, when empty, removed from) every output series. */
  readonly labels?: RuleLabels;
}

/** An alerting rule: every output series of `expr` is an alert, firing once it has lasted `for`. */
export interface AlertingRule {
  /** The alert name (`alertname` label). */
  readonly alert: string;
  /** PromQL; each output series is one alert instance. */
  readonly expr: string;
  /** How long an instance must be present before it fires (`pending` until then); `0s` by default. */
  readonly for?: string;
  /** How long a firing alert keeps firing after its condition cleared (Prometheus's `keep_firing_for`). */
  readonly keepFiringFor?: string;
  /** Labels added to each alert; values are templates. */
  readonly labels?: RuleLabels;
  /** Annotations (summary, description, runbook_url…); values are templates. */
  readonly annotations?: RuleLabels;
}

/** Either kind of rule. */
export type Rule = RecordingRule | AlertingRule;

/** A group of rules evaluated together, in order, at one interval. */
export interface RuleGroup {
  /** Unique within a rule file. */
  readonly name: string;
  /** Evaluation interval; the global evaluation interval when absent. */
  readonly interval?: string;
  /** The rules, evaluated in this order (later rules see earlier recording rules' output). */
  readonly rules: readonly Rule[];
}

/** Whether `rule` is an alerting rule. */
export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}
