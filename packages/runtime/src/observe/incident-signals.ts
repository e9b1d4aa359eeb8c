import type { AlertSignal, ChangeSignal } from '@opsloop/aiops';
import type { PostableAlert } from '@opsloop/telemetry';
import type { RuntimeEvent } from '../events.js';

/**
 * The change or lifecycle signal a runtime event is for incidents, if any: rollouts, rollbacks, scaling and
 * replica exits are context for root-cause analysis (they never open an incident by themselves).
 */
export function changeSignalOf(event: RuntimeEvent, atMs: number): ChangeSignal | undefined {
  switch (event.type) {
    case 'rollout-promoted':
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'rollout-promoted',
        detail: `${event.service} ${event.from} → ${event.revision} promoted`,
      };
    case 'rollout-aborted':
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'rollout-aborted',
        detail: `${event.service} ${event.revision} aborted: ${event.reason}`,
      };
    case 'rollout-action':
      if (event.action === 'undo')
        return {
          type: 'change',
          atMs,
          service: event.service,
          change: 'rollback',
          detail: `${event.service} rolled back`,
        };
      if (event.action === 'restart')
        return {
          type: 'change',
          atMs,
          service: event.service,
          change: 'restart',
          detail: `${event.service} restarted`,
        };
      return undefined;
    case 'service-scaled':
    case 'autoscaled':
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'scale',
        detail: `${event.service} scaled ${event.from} → ${event.to}`,
      };
    case 'scheduled-scaling':
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'scale',
        detail: `${event.service} scaled ${event.from} → ${event.to} by the schedule (${event.reason})`,
        // Planned, like a rollout: context for an incident, never one to answer by scaling back.
        origin: 'schedule',
      };
    case 'replica-exited':
      // Stops the runtime asked for (scale-in, rollouts) exit with restartInMs null: not a failure.
      if (event.restartInMs === null) return undefined;
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'replica-exited',
        detail: `${event.replica} exited (${event.reason}${event.code === null ? '' : `, code ${event.code}`}${event.signal === null ? '' : `, ${event.signal}`})`,
      };
    case 'replica-killed':
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'restart',
        detail: `${event.replica} killed: ${event.reason}`,
      };
    case 'replica-unready':
      // A replica the runtime is stopping (a rollout, a scale-in) leaves on purpose.
      if (PLANNED_UNREADY.has(event.reason)) return undefined;
      return {
        type: 'change',
        atMs,
        service: event.service,
        change: 'replica-unready',
        detail: `${event.replica} not ready: ${event.reason}`,
      };
    default:
      return undefined;
  }
}

/** Readiness losses the runtime causes on purpose (the replica exits or restarts next, which is reported). */
const PLANNED_UNREADY = new Set(['stopping', 'exited']);

/** Alerts the incident watch takes from elsewhere (anomaly episodes, log events) or raises itself. */
const OWN_ALERTS = new Set(['MetricAnomaly', 'NewLogTemplate', 'LogErrorBurst', 'RemediationStep']);

/**
 * Turns the alert pipeline's repeated deliveries (every evaluation) into state changes: a signal when an
 * alert starts firing and when it resolves, nothing while it keeps firing.
 */
export function createAlertTransitions(): (alerts: readonly PostableAlert[], nowMs: number) => AlertSignal[] {
  const firing = new Map<string, true>();
  return (alerts, nowMs) => {
    const out: AlertSignal[] = [];
    for (const alert of alerts) {
      const name = alert.labels.alertname ?? '';
      if (OWN_ALERTS.has(name)) continue;
      const key = Object.keys(alert.labels)
        .sort()
        .map((k) => `${k}=${alert.labels[k]}`)
        .join(',');
      const resolved = alert.endsAtMs !== undefined && alert.endsAtMs <= nowMs;
      if (resolved === !firing.has(key)) continue;
      if (resolved) firing.delete(key);
      else firing.set(key, true);
      out.push({
        type: 'alert',
        atMs: nowMs,
        alert: {
          name,
          labels: { ...alert.labels },
          state: resolved ? 'resolved' : 'firing',
          ...(alert.labels.severity === undefined ? {} : { severity: alert.labels.severity }),
          ...(alert.annotations.summary === undefined ? {} : { summary: alert.annotations.summary }),
        },
      });
    }
    return out;
  };
}

/** Exits the runtime or remediation asked for (a restart, a replacement): not a crash. */
const REQUESTED_EXIT = /^(Restarted|Replaced)By/;

/** The alert name of an unplanned replica exit. */
export const REPLICA_CRASHED = 'ReplicaCrashed';

/**
 * Unplanned replica exits as alerts for incidents: a crash (an error exit, a signal, an OOM kill, a failed
 * liveness or startup probe) is an incident even when the supervisor heals it before users notice — people
 * want to know their service crashes (Kubernetes users alert on restarts). It fires at the first exit of an
 * episode (a crash loop is one) and resolves when the replica is ready again. Remediation never acts on it
 * alone: only harm users feel calls for an action.
 */
export function createCrashAlerts(): (event: RuntimeEvent, atMs: number) => AlertSignal | undefined {
  const down = new Map<string, string>();
  const alert = (
    service: string,
    replica: string,
    atMs: number,
    state: 'firing' | 'resolved',
    summary: string,
  ) =>
    ({
      type: 'alert',
      atMs,
      alert: {
        name: REPLICA_CRASHED,
        labels: { alertname: REPLICA_CRASHED, service, replica, severity: 'warning' },
        state,
        severity: 'warning',
        summary,
      },
    }) satisfies AlertSignal;
  return (event, atMs) => {
    if (event.type === 'replica-exited') {
      if (event.restartInMs === null || REQUESTED_EXIT.test(event.reason) || down.has(event.replica))
        return undefined;
      down.set(event.replica, event.service);
      const how = `${event.reason}${event.code === null ? '' : `, code ${event.code}`}${event.signal === null ? '' : `, ${event.signal}`}`;
      return alert(event.service, event.replica, atMs, 'firing', `${event.replica} crashed (${how})`);
    }
    if (event.type === 'replica-ready' && down.has(event.replica)) {
      down.delete(event.replica);
      return alert(event.service, event.replica, atMs, 'resolved', `${event.replica} is ready again`);
    }
    return undefined;
  };
}
