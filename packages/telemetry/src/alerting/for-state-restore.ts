/**
 * Prometheus's `RestoreForState` (rules/group.go): after a restart, an alert that was pending keeps the
 * time it had already waited instead of starting its `for` again, read back from the `ALERTS_FOR_STATE`
 * series (value = the original activeAt in seconds) the previous process wrote.
 */
import { labelsKey, METRIC_NAME_LABEL, type Labels } from '../model/labels.js';
import type { QueryResult } from '../metrics/metrics-source.js';
import type { SeriesQuerier } from '../model/series-store.js';
import { isStaleNaN } from '../model/stale-nan.js';
import { formatMatcher } from './label-matchers.js';
import { parseDuration } from './prom-duration.js';
import type { AlertingRule } from './rule-types.js';

/** Prometheus's `--rules.alert.for-outage-tolerance` default. */
export const FOR_OUTAGE_TOLERANCE_MS = 3_600_000;
/** Prometheus's `--rules.alert.for-grace-period` default. */
export const FOR_GRACE_PERIOD_MS = 600_000;

/** Options of the restoration (the evaluator's `restoreForState`). */
export interface ForStateRestoreOptions {
  /** Alerts whose state was last written longer ago than this are not restored; 1 h. */
  readonly outageToleranceMs?: number;
  /** Minimum time between the restart and a restored alert firing; 10 min. Rules with a shorter `for` are not restored. */
  readonly gracePeriodMs?: number;
  /**
   * Where the previous state is read, with its staleness markers (the embedded TSDB): a resolved alert's
   * state is then not restored, as in Prometheus. Without it, the evaluator's metrics source is asked with a
   * range selector, which drops the markers.
   */
  readonly querier?: SeriesQuerier;
}

/** The last `ALERTS_FOR_STATE` sample of one alert before the restart. */
export interface LastForState {
  /** The alert's labels (no `__name__`). */
  readonly labels: Labels;
  readonly timestampMs: number;
  /** The original activeAt in seconds, or a staleness marker when the alert had ended. */
  readonly value: number;
}

const withoutName = (labels: Labels): Labels => {
  const out: Record<string, string> = { ...labels };
  delete out[METRIC_NAME_LABEL];
  return out;
};

const selectorOf = (alertname: string) => [
  { name: METRIC_NAME_LABEL, type: '=' as const, value: 'ALERTS_FOR_STATE' },
  { name: 'alertname', type: '=' as const, value: alertname },
];

/** The last samples of `alertname`'s `ALERTS_FOR_STATE` series in [minT, maxT], from the store itself. */
export async function readForStateFromQuerier(
  querier: SeriesQuerier,
  alertname: string,
  minT: number,
  maxT: number,
): Promise<LastForState[]> {
  const out: LastForState[] = [];
  for (const s of await querier.select(selectorOf(alertname), minT, maxT)) {
    const last = s.timestamps.length - 1;
    if (last < 0) continue;
    out.push({ labels: withoutName(s.labels), timestampMs: s.timestamps[last]!, value: s.values[last]! });
  }
  return out;
}

/** The same through PromQL: `ALERTS_FOR_STATE{alertname="…"}[<range>]` at `maxT` (markers are not seen). */
export async function readForStateFromQuery(
  query: (expr: string, timeMs: number) => Promise<QueryResult>,
  alertname: string,
  minT: number,
  maxT: number,
): Promise<LastForState[]> {
  const selector = `{${selectorOf(alertname).map(formatMatcher).join(',')}}`;
  const result = await query(`${selector}[${Math.max(1, maxT - minT)}ms]`, maxT);
  if (result.type !== 'matrix') return [];
  return result.series.flatMap((s) => {
    const last = s.timestampsMs.length - 1;
    return last < 0
      ? []
      : [{ labels: withoutName(s.labels), timestampMs: s.timestampsMs[last]!, value: s.values[last]! }];
  });
}

/**
 * The activeAt an alert resumes with at `nowMs` (Prometheus's rules): still firing when it had waited its
 * `for` before going down; else the downtime does not count, but it fires no sooner than the grace period
 * after the restart. Undefined when there is nothing to restore (no state, or the alert had ended).
 */
export function restoredActiveAt(
  last: LastForState | undefined,
  holdMs: number,
  nowMs: number,
  gracePeriodMs: number,
): number | undefined {
  if (last === undefined || isStaleNaN(last.value) || !Number.isFinite(last.value)) return undefined;
  // Prometheus works in whole seconds here (time.Unix(t/1000, 0)); so do we, to fire at the same time.
  const downAtMs = Math.floor(last.timestampMs / 1000) * 1000;
  const activeAtMs = Math.floor(last.value) * 1000;
  const remainingMs = holdMs - (downAtMs - activeAtMs);
  if (remainingMs <= 0) return activeAtMs;
  if (remainingMs < gracePeriodMs) return nowMs + gracePeriodMs - holdMs;
  return activeAtMs + (nowMs - downAtMs);
}

/** What {@link createForStateRestorer} needs of the evaluator. */
export interface ForStateRestorerInput {
  readonly alertname: string;
  readonly holdMs: number;
  readonly nowMs: number;
  readonly options: ForStateRestoreOptions;
  readonly query: (expr: string, timeMs: number) => Promise<QueryResult>;
}

/**
 * Whether a rule's alerts are restored: not when its `for` is shorter than the grace period (Prometheus lets
 * those simply wait their `for`), nor without a `for`.
 */
export function needsRestore(rule: AlertingRule, options: ForStateRestoreOptions): boolean {
  const holdMs = parseDuration(rule.for ?? '0s');
  return holdMs > 0 && holdMs >= (options.gracePeriodMs ?? FOR_GRACE_PERIOD_MS);
}

/**
 * Reads a rule's previous state once and returns the lookup its first evaluation uses for new alerts
 * (labels → restored activeAt), or undefined when the rule is not restored (see {@link needsRestore}).
 */
export async function createForStateRestorer(
  input: ForStateRestorerInput,
): Promise<((labels: Labels) => number | undefined) | undefined> {
  const toleranceMs = input.options.outageToleranceMs ?? FOR_OUTAGE_TOLERANCE_MS;
  const graceMs = input.options.gracePeriodMs ?? FOR_GRACE_PERIOD_MS;
  if (input.holdMs <= 0 || input.holdMs < graceMs) return undefined;
  const minT = input.nowMs - toleranceMs;
  const found =
    input.options.querier !== undefined
      ? await readForStateFromQuerier(input.options.querier, input.alertname, minT, input.nowMs)
      : await readForStateFromQuery(input.query, input.alertname, minT, input.nowMs);
  const byLabels = new Map(found.map((s) => [labelsKey(s.labels), s]));
  return (labels) => restoredActiveAt(byLabels.get(labelsKey(labels)), input.holdMs, input.nowMs, graceMs);
}
