import type { AnomalySignalData, Incident, VerifyResult } from '@opsloop/aiops';
import {
  goldenSignalQuery,
  GOLDEN_SIGNAL_NAMES,
  type GoldenSignalName,
  type MetricsSource,
} from '@opsloop/telemetry';

/** Options of {@link createRecoveryCheck}. */
export interface RecoveryCheckOptions {
  metrics: Pick<MetricsSource, 'instantQuery'>;
  now(): number;
  /**
   * The rate window of the check's queries: much shorter than detection's (a minute), so that a fix shows
   * within seconds rather than when the minute has rolled over.
   */
  window?: string;
  /** Consecutive passing checks that make "recovered" (2 by default: one good sample is luck). */
  passes?: number;
}

/** Anomaly kinds users feel: recovery is judged on them when an incident has any. */
const HARM_KINDS = new Set(['errors', 'latency']);

const isGolden = (name: string): name is GoldenSignalName =>
  (GOLDEN_SIGNAL_NAMES as readonly string[]).includes(name);

/**
 * Verification of remediation: an incident has recovered when every series it had an anomaly on is back on
 * the good side of the band it had before the incident (an error ratio at or under its usual high, a traffic
 * drop back over its usual low), measured over a short window, for `passes` checks in a row. Incidents
 * without anomalies recover when their alerts have resolved.
 */
export function createRecoveryCheck(options: RecoveryCheckOptions) {
  const window = options.window ?? '15s';
  const passes = options.passes ?? 2;
  const streaks = new Map<string, number>();

  const current = async (anomaly: AnomalySignalData): Promise<number | undefined> => {
    let query: string;
    if (isGolden(anomaly.signal)) query = goldenSignalQuery(anomaly.service, anomaly.signal, { window }).expr;
    else if (anomaly.signal === 'log_template_rate' && anomaly.labels?.template_id !== undefined)
      query = `sum(rate(log_template_events_total{service="${anomaly.service}",template_id="${anomaly.labels.template_id}"}[${window}]))`;
    else return undefined;
    const result = await options.metrics.instantQuery(query, options.now());
    if (result.type !== 'vector') return undefined;
    const value = result.samples[0]?.value;
    return value === undefined || !Number.isFinite(value) ? undefined : value;
  };

  /** One check of `incident`'s signals. */
  const healthy = async (incident: Incident): Promise<VerifyResult> => {
    const anomalies = incident.symptoms.flatMap((s) =>
      s.signal.type === 'anomaly' ? [s.signal.anomaly] : [],
    );
    if (anomalies.length === 0) {
      const alerts = incident.symptoms.filter((s) => s.type === 'alert');
      if (alerts.length === 0) return 'unknown';
      return alerts.some((s) => s.active) ? 'not-recovered' : 'recovered';
    }
    let unknown = 0;
    // Users' harm (errors, latency) must be seen back in band: traffic back to normal proves nothing about
    // it, and a window without requests (load shed, a cache in front) shows no error ratio at all.
    let harm = 0;
    let harmSeen = 0;
    for (const anomaly of anomalies) {
      const isHarm = HARM_KINDS.has(anomaly.kind);
      if (isHarm) harm++;
      const value = await current(anomaly);
      if (value === undefined) {
        // No series: no traffic at all, which is no recovery for a drop; unknown for a ratio or latency.
        if (anomaly.direction === 'below') return 'not-recovered';
        unknown++;
        continue;
      }
      if (isHarm) harmSeen++;
      const low = anomaly.expectedLow ?? anomaly.expected;
      const high = anomaly.expectedHigh ?? anomaly.expected;
      if (anomaly.direction === 'above' ? value > high : value < low) return 'not-recovered';
    }
    if (unknown === anomalies.length || (harm > 0 && harmSeen === 0)) return 'unknown';
    return 'recovered';
  };

  return {
    /** Verifies `incident`: recovered after `passes` healthy checks in a row. */
    async verify(incident: Incident): Promise<VerifyResult> {
      let result: VerifyResult;
      try {
        result = await healthy(incident);
      } catch {
        result = 'unknown';
      }
      const streak = result === 'recovered' ? (streaks.get(incident.id) ?? 0) + 1 : 0;
      streaks.set(incident.id, streak);
      if (result !== 'recovered') return result;
      if (streak < passes) return 'not-recovered';
      streaks.delete(incident.id);
      return 'recovered';
    },
    forget(id: string): void {
      streaks.delete(id);
    },
  };
}

/** The check {@link createRecoveryCheck} makes. */
export type RecoveryCheck = ReturnType<typeof createRecoveryCheck>;
