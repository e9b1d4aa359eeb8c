/** What the incident manager is fed (docs/aiops.md, "Incidents and root cause"). */
import type { AnomalyEvent } from '../live/anomaly-event.js';
import type { LogEvent } from '../logs/insights/log-insights.js';

/** The kinds of change and replica lifecycle events the runtime reports. */
export type ChangeType =
  | 'rollout-started'
  | 'rollout-promoted'
  | 'rollout-aborted'
  | 'rollback'
  | 'flag'
  | 'config'
  | 'scale'
  | 'restart'
  | 'replica-exited'
  | 'replica-unready'
  | 'deploy';

/** The anomaly episode fields the correlation and the root-cause analysis read. */
export type AnomalySignalData = Pick<
  AnomalyEvent,
  'id' | 'service' | 'signal' | 'kind' | 'state' | 'startsAtMs' | 'score' | 'value' | 'expected' | 'direction'
> &
  Partial<Pick<AnomalyEvent, 'expectedLow' | 'expectedHigh' | 'endsAtMs' | 'unit' | 'labels' | 'worst'>>;

/** An alert as the notifier knows it (ServiceDown, SLO burn rates, …). */
export interface AlertSignalData {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'firing' | 'resolved';
  /** `critical`, `warning`, `info` (taken from `labels.severity` when absent). */
  readonly severity?: string;
  readonly summary?: string;
}

/** An anomaly episode opened or resolved. */
export interface AnomalySignal {
  readonly type: 'anomaly';
  readonly atMs: number;
  readonly anomaly: AnomalySignalData;
  readonly traceIds?: readonly string[];
}

/** A log insight: a never-seen template or an error burst. */
export interface LogSignal {
  readonly type: 'log';
  readonly atMs: number;
  readonly event: LogEvent;
  readonly traceIds?: readonly string[];
}

/** An alert firing or resolved. */
export interface AlertSignal {
  readonly type: 'alert';
  readonly atMs: number;
  readonly alert: AlertSignalData;
  readonly traceIds?: readonly string[];
}

/** A change or replica lifecycle event: context for incidents, never an incident by itself. */
export interface ChangeSignal {
  readonly type: 'change';
  readonly atMs: number;
  /** The service changed; absent for global changes (a flag evaluated everywhere). */
  readonly service?: string;
  readonly change: ChangeType;
  /** Human text: `checkout@abc12 → 2 replicas`, `exit code 1`, `liveness probe failed`. */
  readonly detail: string;
  /** The flag's key for `flag` changes. */
  readonly flag?: string;
  /**
   * Who made it: `remediation`, `autoscaler`, `operator`, a user. Changes made by remediation or the
   * autoscaler answer an incident and are never taken for a cause.
   */
  readonly origin?: string;
  readonly traceIds?: readonly string[];
}

/** Origins whose changes respond to incidents rather than cause them. */
export const RESPONDING_ORIGINS: ReadonlySet<string> = new Set(['remediation', 'autoscaler']);

/** Everything the incident manager ingests. */
export type Signal = AnomalySignal | LogSignal | AlertSignal | ChangeSignal;

/** A symptom: what may open or extend an incident. */
export type SymptomSignal = AnomalySignal | LogSignal | AlertSignal;

/** Changes that alter what runs (a code, config or flag change), as opposed to lifecycle events. */
export const DEPLOY_CHANGES: ReadonlySet<ChangeType> = new Set<ChangeType>([
  'rollout-started',
  'rollout-promoted',
  'rollout-aborted',
  'rollback',
  'flag',
  'config',
  'deploy',
  'scale',
]);

/** The service a signal is about, or undefined (a global change, an alert without a service label). */
export function signalService(signal: Signal): string | undefined {
  switch (signal.type) {
    case 'anomaly':
      return signal.anomaly.service;
    case 'log':
      return signal.event.service;
    case 'alert':
      return signal.alert.labels['service'];
    case 'change':
      return signal.service;
  }
}

/**
 * The deduplication key of a symptom: one series (whatever its episode), one alert (name and labels), one
 * log template (or one service's error bursts). Repeats with the same key are one timeline entry.
 */
export function symptomKey(signal: SymptomSignal): string {
  switch (signal.type) {
    case 'anomaly': {
      const a = signal.anomaly;
      const extra = a.labels === undefined ? '' : labelText(a.labels, ['service']);
      return `anomaly:${a.service}/${a.signal}${extra}`;
    }
    case 'alert':
      return `alert:${signal.alert.name}${labelText(signal.alert.labels, ['severity'])}`;
    case 'log': {
      const e = signal.event;
      return e.kind === 'new-template' ? `log:${e.service}/${e.templateId}` : `log:${e.service}/error-burst`;
    }
  }
}

function labelText(labels: Readonly<Record<string, string>>, skip: readonly string[]): string {
  const parts = Object.keys(labels)
    .filter((k) => !skip.includes(k))
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
