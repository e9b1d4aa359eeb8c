import type { TimerHandle } from '@opsloop/kit';
import type { Labels } from '../model/labels.js';
import { alertFingerprint } from './alert-fingerprint.js';
import { buildRouteTree, groupKeyOf, groupLabelsOf, matchRoutes, type RouteNode } from './alert-routes.js';
import type { AlertNotifier, AlertNotifierOptions } from './alert-notifier-types.js';
import { createInhibitionCheck, type InhibitRule } from './inhibitor.js';
import { parseMatcher } from './label-matchers.js';
import { parseNotifierConfig, type NotifierConfig } from './notifier-config.js';
import { parseDuration } from './prom-duration.js';
import { createSilenceStore } from './silences.js';
import { buildWebhookPayload } from './webhook-payload.js';
import { deliverWebhook, type WebhookFetch } from './webhook-sender.js';

interface StoredAlert {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAtMs: number;
  endsAtMs: number;
  generatorURL: string;
  updatedAtMs: number;
}

interface LogEntry {
  firing: ReadonlySet<string>;
  resolved: ReadonlySet<string>;
  atMs: number;
}

interface Group {
  id: string;
  key: string;
  route: RouteNode;
  labels: Labels;
  alerts: Map<string, StoredAlert>;
  timer: TimerHandle | null;
  hasFlushed: boolean;
  flushing: Promise<void> | null;
  /** Per webhook (index in the receiver), what was last notified: Alertmanager's notification log. */
  log: Map<number, LogEntry>;
}

const isSubset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].every((x) => b.has(x));

/** Alertmanager's dedup decision: notify if new alerts fire, all resolved, new resolutions, or repeat is due. */
function needsUpdate(
  entry: LogEntry | undefined,
  firing: Set<string>,
  resolved: Set<string>,
  sendResolved: boolean,
  repeatMs: number,
  now: number,
) {
  if (entry === undefined) return firing.size > 0;
  if (!isSubset(firing, entry.firing)) return true;
  if (firing.size === 0) return entry.firing.size > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  return entry.atMs + repeatMs <= now;
}

/**
 * Alertmanager's semantics on a small scale: alerts routed through the tree to receivers, grouped by labels
 * with group_wait / group_interval / repeat_interval, muted by silences and inhibition rules, and posted as
 * Alertmanager's webhook payload (version 4). Deliveries run beside everything else, each bounded by the
 * group interval, with retries and backoff; a dead receiver never blocks rule evaluation.
 */
export function createAlertNotifier(options: AlertNotifierOptions): AlertNotifier {
  const config: NotifierConfig = parseNotifierConfig(options.config);
  const { clock } = options;
  const fetchFn: WebhookFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const externalURL = options.externalURL ?? 'http://localhost:9093';
  const resolveTimeoutMs = parseDuration(config.resolveTimeout);
  const tree = buildRouteTree(config.route);
  const receivers = new Map(config.receivers.map((r) => [r.name, r]));
  const inhibitRules: InhibitRule[] = config.inhibitRules.map((r) => ({
    sourceMatchers: r.sourceMatchers.map(parseMatcher),
    targetMatchers: r.targetMatchers.map(parseMatcher),
    equal: r.equal,
  }));
  const silences =
    options.silences ??
    createSilenceStore({
      now: () => clock.now(),
      ...(options.newSilenceId ? { newId: options.newSilenceId } : {}),
    });
  const store = new Map<string, StoredAlert>();
  const groups = new Map<string, Group>();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let stopped = false;

  /** Why each alert is muted right now: active silences, and firing alerts inhibiting it. */
  const mutingAt = (now: number) => {
    const inhibited = createInhibitionCheck(
      inhibitRules,
      [...store.values()].filter((a) => a.endsAtMs > now),
    );
    return (alert: StoredAlert) => ({
      silencedBy: silences.mutedBy(alert.labels),
      inhibitedBy: inhibited(alert.labels, alert.fingerprint),
    });
  };

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const gc = (now: number) => {
    const held = new Set<string>();
    for (const g of groups.values()) for (const fp of g.alerts.keys()) held.add(fp);
    for (const [fp, a] of store) if (a.endsAtMs <= now && !held.has(fp)) store.delete(fp);
  };

  const deliverAll = async (g: Group, now: number) => {
    const snapshot = [...g.alerts.values()];
    const muting = mutingAt(now);
    const unmuted = snapshot.filter((a) => {
      const m = muting(a);
      return m.silencedBy.length === 0 && m.inhibitedBy.length === 0;
    });
    const firing = unmuted.filter((a) => a.endsAtMs > now);
    const resolved = unmuted.filter((a) => a.endsAtMs <= now);
    const firingSet = new Set(firing.map((a) => a.fingerprint));
    const resolvedSet = new Set(resolved.map((a) => a.fingerprint));
    const receiver = receivers.get(g.route.receiver)!;
    const results = await Promise.all(
      receiver.webhooks.map(async (hook, index) => {
        if (
          !needsUpdate(
            g.log.get(index),
            firingSet,
            resolvedSet,
            hook.sendResolved,
            g.route.repeatIntervalMs,
            now,
          )
        )
          return true;
        const alerts = hook.sendResolved ? [...firing, ...resolved] : firing;
        const entry = {
          firing: firingSet,
          resolved: hook.sendResolved ? resolvedSet : new Set<string>(),
          atMs: now,
        };
        if (alerts.length === 0) {
          g.log.set(index, entry);
          return true;
        }
        const payload = buildWebhookPayload({
          receiver: receiver.name,
          groupKey: g.key,
          groupLabels: g.labels,
          externalURL,
          alerts,
          nowMs: now,
          maxAlerts: hook.maxAlerts,
        });
        const result = await deliverWebhook(hook.url, JSON.stringify(payload), {
          clock,
          fetch: fetchFn,
          attemptTimeoutMs: parseDuration(hook.timeout),
          deadlineMs: now + g.route.groupIntervalMs,
          ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
        });
        if (result.ok) {
          sent++;
          g.log.set(index, entry);
          return true;
        }
        failed++;
        options.onDeliveryError?.({
          receiver: receiver.name,
          url: hook.url,
          groupKey: g.key,
          error: result.error ?? 'failed',
          attempts: result.attempts,
        });
        return false;
      }),
    );
    if (!results.every(Boolean)) return;
    // Resolved alerts that were notified (and did not change meanwhile) leave the group, as in Alertmanager.
    for (const a of snapshot) {
      if (a.endsAtMs <= now && g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
    }
    if (g.alerts.size === 0) {
      g.timer?.cancel();
      groups.delete(g.id);
    }
    gc(clock.now());
  };

  const flush = (g: Group) => {
    if (stopped) return;
    g.timer = clock.after(g.route.groupIntervalMs, () => flush(g));
    if (g.flushing !== null) return; // the previous notification is still being delivered
    g.hasFlushed = true;
    const p = deliverAll(g, clock.now()).finally(() => {
      g.flushing = null;
    });
    g.flushing = p;
    track(p);
  };

  const insert = (route: RouteNode, alert: StoredAlert, now: number) => {
    const labels = groupLabelsOf(route, alert.labels);
    const key = groupKeyOf(route, labels);
    const id = `${route.id}|${key}`;
    let g = groups.get(id);
    if (g === undefined) {
      g = {
        id,
        key,
        route,
        labels,
        alerts: new Map(),
        timer: null,
        hasFlushed: false,
        flushing: null,
        log: new Map(),
      };
      groups.set(id, g);
      const group = g;
      g.timer = clock.after(route.groupWaitMs, () => flush(group));
    }
    g.alerts.set(alert.fingerprint, alert);
    // An alert older than group_wait need not wait for company: notify at once, as Alertmanager does.
    if (!g.hasFlushed && alert.startsAtMs + route.groupWaitMs <= now) {
      g.timer?.cancel();
      const group = g;
      g.timer = clock.after(0, () => flush(group));
    }
  };

  return {
    receive(alerts) {
      if (stopped) return;
      const now = clock.now();
      for (const input of alerts) {
        if (Object.keys(input.labels).length === 0) continue;
        const fingerprint = alertFingerprint(input.labels);
        const old = store.get(fingerprint);
        let alert: StoredAlert = {
          fingerprint,
          labels: { ...input.labels },
          annotations: { ...input.annotations },
          startsAtMs: input.startsAtMs,
          endsAtMs: input.endsAtMs ?? now + resolveTimeoutMs,
          generatorURL: input.generatorURL ?? '',
          updatedAtMs: now,
        };
        // The same alert still (or again, overlapping) active: one alert, from its first start.
        if (old !== undefined && (old.endsAtMs > now || alert.startsAtMs <= old.endsAtMs)) {
          alert = { ...alert, startsAtMs: Math.min(old.startsAtMs, alert.startsAtMs) };
        }
        store.set(fingerprint, alert);
        for (const route of matchRoutes(tree, alert.labels)) insert(route, alert, now);
      }
    },

    alerts() {
      const now = clock.now();
      const muting = mutingAt(now);
      return [...store.values()]
        .filter((a) => a.endsAtMs > now)
        .map((a) => {
          const m = muting(a);
          return {
            fingerprint: a.fingerprint,
            labels: a.labels,
            annotations: a.annotations,
            startsAtMs: a.startsAtMs,
            endsAtMs: a.endsAtMs,
            updatedAtMs: a.updatedAtMs,
            generatorURL: a.generatorURL,
            receivers: [...new Set(matchRoutes(tree, a.labels).map((r) => r.receiver))],
            status: {
              state:
                m.silencedBy.length + m.inhibitedBy.length > 0
                  ? ('suppressed' as const)
                  : ('active' as const),
              ...m,
            },
          };
        });
    },

    silences,

    stats: () => ({ notificationsSent: sent, notificationsFailed: failed }),

    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },

    async stop() {
      stopped = true;
      for (const g of groups.values()) g.timer?.cancel();
      await this.idle();
    },
  };
}
