import type { PostableAlert } from '@opsloop/telemetry';
import type { AnomalyEvent } from './anomaly-event.js';
import { formatSignalValue } from './signal-value.js';

/** `alertname` of the alerts live detection raises. */
export const ANOMALY_ALERT = 'MetricAnomaly';

/**
 * The alert of an anomaly episode, as the rules' alerts are sent to the notifier: firing until
 * `firingUntilMs` unless refreshed, or resolved at the episode's end. One alert per service and signal
 * (its labels), so a new episode of the same series continues the same alert group.
 */
export function anomalyAlert(event: AnomalyEvent, firingUntilMs: number, title: string): PostableAlert {
  const f = (v: number) => formatSignalValue(v, event.unit);
  return {
    labels: { alertname: ANOMALY_ALERT, service: event.service, signal: event.signal, severity: 'warning' },
    annotations: {
      summary: `${title} of ${event.service} is anomalous`,
      description:
        `${f(event.value)} at the peak, expected ${f(event.expected)} ` +
        `(${f(event.expectedLow)} to ${f(event.expectedHigh)}); ` +
        `anomaly score ${event.score.toFixed(3)} by ${event.detector}`,
      score: event.score.toFixed(3),
      value: String(event.value),
      expected: String(event.expected),
      query: event.query,
      anomaly_id: event.id,
    },
    startsAtMs: event.startsAtMs,
    endsAtMs: event.state === 'resolved' ? (event.endsAtMs ?? firingUntilMs) : firingUntilMs,
  };
}
