import type { TimerHandle } from '@opsloop/kit';
import { METRIC_NAME_LABEL, labelsKey, type Labels } from '../model/labels.js';
import { MetricsQueryError, type QueryResult } from '../metrics/metrics-source.js';
import { OutOfOrderSampleError } from '../model/series-store.js';
import { STALE_NAN } from '../model/stale-nan.js';
import { createAlertingRuleState, type AlertingRuleState, type RuleSample } from './alerting-rule-state.js';
import { createForStateRestorer, needsRestore } from './for-state-restore.js';
import { parseDuration } from './prom-duration.js';
import { hash, recorded, samplesOf } from './rule-output.js';
import type { RuleEvaluator, RuleEvaluatorOptions, RuleHealth } from './rule-evaluator-types.js';
import { isAlertingRule, type Rule, type RuleGroup } from './rule-types.js';

interface RuleRuntime {
  rule: Rule;
  state: AlertingRuleState | null;
  health: RuleHealth;
  lastError?: string;
  lastEvaluationMs?: number;
  evaluationDurationMs?: number;
  previous: Map<string, Labels>;
  /** Whether the first evaluation is still to come, which restores the alerts' `for` state. */
  restorePending: boolean;
}

interface GroupRuntime {
  group: RuleGroup;
  intervalMs: number;
  offsetMs: number;
  rules: RuleRuntime[];
  timer: TimerHandle | null;
  running: Promise<void> | null;
  lastEvaluationMs?: number;
  missed: number;
  lastStoreError?: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Prometheus's rule manager on a {@link MetricsSource}: each group evaluated at its interval with the
 * injected clock, rules in order, recording rules' output appended to the store (so later rules and other
 * groups read it), alerting rules moving inactive → pending → firing → resolved exactly as Prometheus's do,
 * alerts handed to `notify`. A failing rule is marked `err` with its error and the others go on.
 */
export function createRuleEvaluator(options: RuleEvaluatorOptions): RuleEvaluator {
  const { clock, source, appender } = options;
  const defaultIntervalMs = parseDuration(options.evaluationInterval ?? '1m');
  const resendDelayMs = parseDuration(options.resendDelay ?? '1m');
  const writeAlertSeries = options.writeAlertSeries ?? true;
  const restoreOptions = options.restoreForState === false ? undefined : (options.restoreForState ?? {});
  const groups = new Map<string, GroupRuntime>();
  let started = false;
  let stopped = false;
  const running = () => [...groups.values()].flatMap((g) => (g.running === null ? [] : [g.running]));

  for (const group of options.groups) {
    if (groups.has(group.name)) throw new Error(`rule group "${group.name}" is defined twice`);
    const intervalMs = group.interval === undefined ? defaultIntervalMs : parseDuration(group.interval);
    if (intervalMs <= 0) throw new Error(`rule group "${group.name}": interval must be positive`);
    const rules = group.rules.map((rule) => ({
      rule,
      state: isAlertingRule(rule) ? createAlertingRuleState(rule, options) : null,
      health: 'unknown' as const,
      previous: new Map<string, Labels>(),
      restorePending:
        restoreOptions !== undefined && isAlertingRule(rule) && needsRestore(rule, restoreOptions),
    }));
    groups.set(group.name, {
      group,
      intervalMs,
      offsetMs: hash(group.name) % intervalMs,
      rules,
      timer: null,
      running: null,
      missed: 0,
    });
  }

  const query = (expr: string, tsMs: number, timeoutMs: number): Promise<QueryResult> =>
    new Promise((resolve, reject) => {
      const timer = clock.after(timeoutMs, () =>
        reject(new MetricsQueryError('timeout', `query timed out after ${timeoutMs} ms`)),
      );
      source.instantQuery(expr, tsMs).then(
        (result) => {
          timer.cancel();
          resolve(result);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });

  const write = (rt: RuleRuntime, samples: readonly RuleSample[], tsMs: number) => {
    const current = new Map<string, Labels>();
    for (const s of samples) current.set(labelsKey(s.labels), s.labels);
    if (appender === undefined) return;
    const append = (labels: Labels, value: number) => {
      try {
        appender.append(labels, tsMs, value);
      } catch (error) {
        // Prometheus drops an out-of-order result (e.g. a manual evaluation in the past) and goes on.
        if (!(error instanceof OutOfOrderSampleError)) throw error;
      }
    };
    for (const s of samples) append(s.labels, s.value);
    for (const [key, labels] of rt.previous) if (!current.has(key)) append(labels, STALE_NAN);
    rt.previous = current;
  };

  /** The previous process's `for` state of an alerting rule, read at its first evaluation. */
  const restorer = async (g: GroupRuntime, rt: RuleRuntime, tsMs: number) => {
    if (!rt.restorePending || restoreOptions === undefined || !isAlertingRule(rt.rule)) return undefined;
    rt.restorePending = false;
    try {
      return await createForStateRestorer({
        alertname: rt.rule.alert,
        holdMs: parseDuration(rt.rule.for ?? '0s'),
        nowMs: tsMs,
        options: restoreOptions,
        query: (expr, atMs) => query(expr, atMs, options.queryTimeoutMs ?? g.intervalMs),
      });
    } catch (error) {
      // As Prometheus: the alerts then simply wait their whole `for` again.
      options.onError?.(g.group.name, rt.rule.alert, new Error(`restoring 'for' state: ${message(error)}`));
      return undefined;
    }
  };

  const evaluateRule = async (g: GroupRuntime, rt: RuleRuntime, tsMs: number) => {
    const started = clock.now();
    const name = isAlertingRule(rt.rule) ? rt.rule.alert : rt.rule.record;
    // Only a rule that restores waits here: the others reach their query in the same tick as before.
    const restore = rt.restorePending ? await restorer(g, rt, tsMs) : undefined;
    try {
      const samples = samplesOf(await query(rt.rule.expr, tsMs, options.queryTimeoutMs ?? g.intervalMs));
      const output = isAlertingRule(rt.rule)
        ? rt.state!.apply(samples, tsMs, restore)
        : recorded(rt.rule.record, rt.rule.labels, samples);
      write(rt, rt.state !== null && !writeAlertSeries ? [] : output, tsMs);
      rt.health = 'ok';
      delete rt.lastError;
    } catch (error) {
      rt.health = 'err';
      rt.lastError = message(error);
      options.onError?.(g.group.name, name, error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      rt.lastEvaluationMs = tsMs;
      rt.evaluationDurationMs = clock.now() - started;
    }
    if (rt.state === null || options.notify === undefined) return;
    try {
      const alerts = rt.state.toSend(tsMs, resendDelayMs, g.intervalMs);
      if (alerts.length > 0) options.notify(alerts);
    } catch (error) {
      // The notifier's trouble is not the rule's: report it and keep the rule healthy.
      options.onError?.(g.group.name, name, error instanceof Error ? error : new Error(String(error)));
    }
  };

  const evaluate = (g: GroupRuntime, tsMs: number): Promise<void> => {
    const run = async () => {
      for (const rt of g.rules) await evaluateRule(g, rt, tsMs);
      g.lastEvaluationMs = tsMs;
      try {
        await appender?.commit();
        delete g.lastStoreError;
      } catch (error) {
        g.lastStoreError = message(error);
      }
    };
    const running = run().finally(() => {
      if (g.running === running) g.running = null;
    });
    g.running = running;
    return running;
  };

  const schedule = (g: GroupRuntime, atMs: number) => {
    g.timer = clock.after(atMs - clock.now(), () => {
      if (stopped) return;
      if (g.running !== null) g.missed++;
      else void evaluate(g, atMs);
      let next = atMs + g.intervalMs;
      // A process that slept past several slots evaluates once, at the latest slot, as Prometheus does.
      while (next + g.intervalMs <= clock.now()) {
        next += g.intervalMs;
        g.missed++;
      }
      schedule(g, next);
    });
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      for (const g of groups.values()) {
        const now = clock.now();
        const base = now - ((((now - g.offsetMs) % g.intervalMs) + g.intervalMs) % g.intervalMs);
        schedule(g, base + g.intervalMs);
      }
    },

    async stop() {
      stopped = true;
      for (const g of groups.values()) g.timer?.cancel();
      await Promise.all(running());
      if (appender === undefined) return;
      const now = clock.now();
      for (const g of groups.values()) {
        for (const rt of g.rules) {
          for (const labels of rt.previous.values()) {
            // Left unmarked (as Prometheus leaves all on shutdown) so the next start restores the alert.
            if (restoreOptions !== undefined && labels[METRIC_NAME_LABEL] === 'ALERTS_FOR_STATE') continue;
            try {
              appender.append(labels, now, STALE_NAN);
            } catch {
              // Already newer data (or the store is closing): nothing to mark.
            }
          }
          rt.previous.clear();
        }
      }
      await appender.commit().catch(() => undefined);
    },

    async evaluateGroup(name, tsMs) {
      const g = groups.get(name);
      if (g === undefined) throw new Error(`no rule group "${name}"`);
      if (g.running !== null) await g.running;
      await evaluate(g, tsMs);
    },

    async idle() {
      while (running().length > 0) {
        await Promise.all(running());
      }
    },

    groups() {
      return [...groups.values()].map((g) => ({
        name: g.group.name,
        intervalMs: g.intervalMs,
        missedIterations: g.missed,
        ...(g.lastEvaluationMs !== undefined ? { lastEvaluationMs: g.lastEvaluationMs } : {}),
        ...(g.lastStoreError !== undefined ? { lastStoreError: g.lastStoreError } : {}),
        rules: g.rules.map((rt) => ({
          name: isAlertingRule(rt.rule) ? rt.rule.alert : rt.rule.record,
          type: rt.state === null ? ('recording' as const) : ('alerting' as const),
          query: rt.rule.expr,
          health: rt.health,
          ...(rt.lastError !== undefined ? { lastError: rt.lastError } : {}),
          ...(rt.lastEvaluationMs !== undefined ? { lastEvaluationMs: rt.lastEvaluationMs } : {}),
          ...(rt.evaluationDurationMs !== undefined ? { evaluationDurationMs: rt.evaluationDurationMs } : {}),
          ...(rt.state !== null ? { alerts: rt.state.alerts() } : {}),
        })),
      }));
    },

    alerts() {
      return [...groups.values()]
        .flatMap((g) => g.rules.flatMap((rt) => rt.state?.alerts() ?? []))
        .filter((a) => a.state !== 'inactive');
    },
  };
}
