import { METRIC_NAME_LABEL, labelsKey, normalizeLabels, type Labels } from '../model/labels.js';
import type { AlertState, PostableAlert, RuleAlert } from './alert-types.js';
import { parseDuration } from './prom-duration.js';
import type { AlertingRule } from './rule-types.js';
import { expandTemplateOrError } from './rule-template.js';

/** Resolved alerts are kept (and re-sent as resolved) this long, as Prometheus's `resolvedRetention`. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** A sample of the rule's expression result. */
export interface RuleSample {
  readonly labels: Labels;
  readonly value: number;
}

/** Options of {@link createAlertingRuleState}. */
export interface AlertingRuleStateOptions {
  readonly externalLabels?: Labels;
  /** Prometheus's `--web.external-url`, for `$externalURL` and generator URLs. */
  readonly externalURL?: string;
}

interface MutableAlert {
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  value: number;
  activeAtMs: number;
  firedAtMs?: number;
  resolvedAtMs?: number;
  lastSentAtMs?: number;
  validUntilMs?: number;
  keepFiringSinceMs?: number;
}

/** The alert state of one alerting rule across evaluations: Prometheus's `AlertingRule`. */
export interface AlertingRuleState {
  /**
   * Applies one evaluation's result at `tsMs`: new series become pending, pending ones older than `for`
   * fire, vanished ones resolve (after `keep_firing_for` when firing). Returns the `ALERTS` and
   * `ALERTS_FOR_STATE` samples of the pending and firing alerts. Throws when two samples map to one alert.
   * `restoredActiveAt` gives new alerts the activeAt they had before a restart (see for-state-restore.ts).
   */
  apply(
    samples: readonly RuleSample[],
    tsMs: number,
    restoredActiveAt?: (labels: Labels) => number | undefined,
  ): RuleSample[];
  /** The pending, firing and recently resolved alerts. */
  alerts(): RuleAlert[];
  /**
   * The alerts to send now (Prometheus's `sendAlerts`): firing ones not sent within `resendDelayMs`, and
   * ones resolved since their last send. Firing alerts are valid for 4 × max(resend delay, interval).
   */
  toSend(tsMs: number, resendDelayMs: number, intervalMs: number): PostableAlert[];
}

/** The link Prometheus puts in `generatorURL`: its graph page with the expression. */
export function generatorUrl(externalURL: string, expr: string): string {
  return `${externalURL.replace(/\/$/, '')}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
}

/** Creates the state of `rule`, with no alerts. */
export function createAlertingRuleState(
  rule: AlertingRule,
  options: AlertingRuleStateOptions = {},
): AlertingRuleState {
  const holdMs = parseDuration(rule.for ?? '0s');
  const keepFiringForMs = parseDuration(rule.keepFiringFor ?? '0s');
  const active = new Map<string, MutableAlert>();
  const data = (labels: Labels, value: number) => ({
    labels,
    value,
    externalLabels: options.externalLabels ?? {},
    externalURL: options.externalURL ?? '',
  });

  const build = (sample: RuleSample): { labels: Labels; annotations: Labels } => {
    const seriesLabels: Record<string, string> = { ...sample.labels };
    delete seriesLabels[METRIC_NAME_LABEL];
    const tmpl = data(seriesLabels, sample.value);
    const labels: Record<string, string> = { ...seriesLabels };
    for (const [name, value] of Object.entries(rule.labels ?? {}))
      labels[name] = expandTemplateOrError(value, tmpl);
    labels.alertname = rule.alert;
    const annotations: Record<string, string> = {};
    for (const [name, value] of Object.entries(rule.annotations ?? {})) {
      annotations[name] = expandTemplateOrError(value, tmpl);
    }
    return { labels: normalizeLabels(labels), annotations };
  };

  return {
    apply(samples, tsMs, restoredActiveAt) {
      const seen = new Map<string, { labels: Labels; annotations: Labels; value: number }>();
      for (const sample of samples) {
        const built = build(sample);
        const key = labelsKey(built.labels);
        if (seen.has(key))
          throw new Error('vector contains metrics with the same labelset after applying alert labels');
        seen.set(key, { ...built, value: sample.value });
      }
      for (const [key, next] of seen) {
        const alert = active.get(key);
        if (alert !== undefined && alert.state !== 'inactive') {
          alert.value = next.value;
          alert.annotations = next.annotations;
          alert.labels = next.labels;
          continue;
        }
        active.set(key, { ...next, state: 'pending', activeAtMs: restoredActiveAt?.(next.labels) ?? tsMs });
      }
      const out: RuleSample[] = [];
      for (const [key, alert] of active) {
        if (!seen.has(key)) {
          let keepFiring = false;
          if (alert.state === 'firing' && keepFiringForMs > 0) {
            alert.keepFiringSinceMs ??= tsMs;
            keepFiring = tsMs - alert.keepFiringSinceMs < keepFiringForMs;
          }
          // A pending alert just disappears; a resolved one is kept a while so it is sent as resolved.
          if (
            alert.state === 'pending' ||
            (alert.resolvedAtMs !== undefined && tsMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)
          ) {
            active.delete(key);
          }
          if (alert.state !== 'inactive' && !keepFiring) {
            alert.state = 'inactive';
            alert.resolvedAtMs = tsMs;
          }
          if (!keepFiring) continue;
        } else {
          delete alert.keepFiringSinceMs;
        }
        if (alert.state === 'pending' && tsMs - alert.activeAtMs >= holdMs) {
          alert.state = 'firing';
          alert.firedAtMs = tsMs;
        }
        out.push({
          labels: { ...alert.labels, [METRIC_NAME_LABEL]: 'ALERTS', alertstate: alert.state },
          value: 1,
        });
        out.push({
          labels: { ...alert.labels, [METRIC_NAME_LABEL]: 'ALERTS_FOR_STATE' },
          value: alert.activeAtMs / 1000,
        });
      }
      return out;
    },

    alerts() {
      return [...active.values()].map((a) => ({ ...a }));
    },

    toSend(tsMs, resendDelayMs, intervalMs) {
      const out: PostableAlert[] = [];
      for (const alert of active.values()) {
        if (alert.state === 'pending') continue;
        const resolvedSinceSent =
          alert.resolvedAtMs !== undefined &&
          (alert.lastSentAtMs === undefined || alert.resolvedAtMs > alert.lastSentAtMs);
        const due = alert.lastSentAtMs === undefined || alert.lastSentAtMs + resendDelayMs < tsMs;
        if (!resolvedSinceSent && !due) continue;
        alert.lastSentAtMs = tsMs;
        // Allow for two missed evaluations or failed sends before Alertmanager resolves the alert itself.
        alert.validUntilMs = tsMs + 4 * Math.max(resendDelayMs, intervalMs);
        const labels: Record<string, string> = { ...alert.labels };
        for (const [name, value] of Object.entries(options.externalLabels ?? {})) labels[name] ??= value;
        out.push({
          labels: normalizeLabels(labels),
          annotations: { ...alert.annotations },
          startsAtMs: alert.firedAtMs ?? alert.activeAtMs,
          endsAtMs: alert.resolvedAtMs ?? alert.validUntilMs,
          generatorURL: generatorUrl(options.externalURL ?? '', rule.expr),
        });
      }
      return out;
    },
  };
}
