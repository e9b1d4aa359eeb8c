import type { Clock } from '@opsloop/kit';
import type { Labels } from '../model/labels.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import type { SampleAppender } from '../model/series-store.js';
import type { PostableAlert, RuleAlert } from './alert-types.js';
import type { ForStateRestoreOptions } from './for-state-restore.js';
import type { RuleGroup } from './rule-types.js';

/** Options of {@link createRuleEvaluator}. */
export interface RuleEvaluatorOptions {
  /** Where rule expressions are evaluated: the embedded engine or a Prometheus server. */
  source: MetricsSource;
  clock: Clock;
  groups: readonly RuleGroup[];
  /** Receives recording rules' output and `ALERTS`/`ALERTS_FOR_STATE`; nothing is written without it. */
  appender?: SampleAppender;
  /** Interval of groups that set none; `1m` (Prometheus's default). */
  evaluationInterval?: string;
  /** Write `ALERTS` and `ALERTS_FOR_STATE` series; on by default. */
  writeAlertSeries?: boolean;
  /** Added to sent alerts when absent (Prometheus's `external_labels`) and readable in templates. */
  externalLabels?: Labels;
  /** Base URL of alerts' `generatorURL` and `$externalURL`. */
  externalURL?: string;
  /** Receives alerts to forward to Alertmanager (or our notifier) after each evaluation of a rule. */
  notify?: (alerts: readonly PostableAlert[]) => void;
  /** Minimum time between two sends of an unchanged firing alert; `1m`. */
  resendDelay?: string;
  /** A query slower than this fails the rule with a `timeout` error; the group's interval by default. */
  queryTimeoutMs?: number;
  /**
   * Restores pending alerts' `for` state after a restart from `ALERTS_FOR_STATE` (Prometheus's
   * `--rules.alert.for-outage-tolerance` / `for-grace-period`); on by default, `false` turns it off.
   */
  restoreForState?: false | ForStateRestoreOptions;
  /** Called with every rule failure (for logs); evaluation goes on. */
  onError?: (group: string, rule: string, error: Error) => void;
}

/** Health of a rule, as Prometheus's `/api/v1/rules` reports it. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** State of one rule. */
export interface RuleStatus {
  /** `record` or `alert` name. */
  readonly name: string;
  readonly type: 'recording' | 'alerting';
  readonly query: string;
  readonly health: RuleHealth;
  readonly lastError?: string;
  readonly lastEvaluationMs?: number;
  readonly evaluationDurationMs?: number;
  /** Alerting rules: their pending, firing and recently resolved alerts. */
  readonly alerts?: readonly RuleAlert[];
}

/** State of one group. */
export interface RuleGroupStatus {
  readonly name: string;
  readonly intervalMs: number;
  readonly rules: readonly RuleStatus[];
  readonly lastEvaluationMs?: number;
  /** Evaluations skipped because the previous one was still running or the process was late. */
  readonly missedIterations: number;
  /** Why the last commit of the group's output failed, if it did. */
  readonly lastStoreError?: string;
}

/** Runs rule groups on their intervals. */
export interface RuleEvaluator {
  /** Schedules every group at its interval (aligned to a per-group offset, as Prometheus does). */
  start(): void;
  /** Stops scheduling, waits for running evaluations and marks the rules' output series stale. */
  stop(): Promise<void>;
  /** Evaluates one group at `tsMs` now (tests, `opsloop rules eval`); resolves when done (rejects only for an unknown group). */
  evaluateGroup(name: string, tsMs: number): Promise<void>;
  /** Resolves once no evaluation is running (tests, shutdown). */
  idle(): Promise<void>;
  groups(): RuleGroupStatus[];
  /** Every rule's pending and firing alerts. */
  alerts(): RuleAlert[];
}
