import { formatSignalValue, type AnomalyEvent, type LiveSeriesStatus } from '@opsloop/aiops';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';
import { formatDuration, formatTable } from '../format.js';

/** Options of `opsloop anomalies`. */
export interface AnomaliesOptions {
  file: string;
  stateDir?: string;
  service?: string;
  /** Only episodes still firing. */
  firing: boolean;
  /** The watched series and their state instead of the episodes. */
  series: boolean;
  limit: number;
  output: 'table' | 'json';
}

/** `opsloop anomalies`: the live detection's episodes, newest first, or its watched series (viewer role). */
export async function anomalies(options: AnomaliesOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const query = new URLSearchParams();
  if (options.service !== undefined) query.set('service', options.service);
  if (options.series) {
    const body = (await callControlApi(state, 'GET', `/v1/anomalies/series?${query.toString()}`)) as {
      series: LiveSeriesStatus[];
    };
    process.stdout.write(
      options.output === 'json' ? `${JSON.stringify(body.series, null, 2)}\n` : formatSeries(body.series),
    );
    return 0;
  }
  if (options.firing) query.set('state', 'firing');
  query.set('limit', String(options.limit));
  const body = (await callControlApi(state, 'GET', `/v1/anomalies?${query.toString()}`)) as {
    anomalies: AnomalyEvent[];
  };
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify(body.anomalies, null, 2)}\n`
      : formatAnomalies(body.anomalies, Date.now()),
  );
  return 0;
}

/** Episodes as a table: state, service, signal, when, for how long, peak value vs expected, score. */
export function formatAnomalies(list: readonly AnomalyEvent[], nowMs: number): string {
  if (list.length === 0) return 'no anomalies\n';
  const rows = list.map((e) => [
    e.state.toUpperCase(),
    e.service,
    e.signal,
    new Date(e.startsAtMs).toISOString().replace('T', ' ').slice(0, 19),
    formatDuration((e.endsAtMs ?? nowMs) - e.startsAtMs),
    `${formatSignalValue(e.value, e.unit)} (${e.direction})`,
    `${formatSignalValue(e.expected, e.unit)}`,
    e.score.toFixed(2),
  ]);
  return `${formatTable(['STATE', 'SERVICE', 'SIGNAL', 'STARTED (UTC)', 'FOR', 'PEAK', 'EXPECTED', 'SCORE'], rows)}\n`;
}

/** Watched series as a table: last value, expected band, last score, points, firing episode. */
export function formatSeries(list: readonly LiveSeriesStatus[]): string {
  if (list.length === 0) return 'no series watched yet\n';
  const value = (v: number | null, unit: string) => (v === null ? '-' : formatSignalValue(v, unit));
  const rows = list.map((s) => {
    const unit = s.unit;
    // A series beyond one per service (a log template's rate) names its other labels.
    const extra = Object.entries(s.labels)
      .filter(([k]) => k !== 'service')
      .map(([k, v]) => `${k}=${v}`);
    return [
      s.service,
      extra.length === 0 ? s.signal : `${s.signal}{${extra.join(',')}}`,
      value(s.lastValue, unit),
      s.expectedLow === null || s.expectedHigh === null
        ? '-'
        : `${value(s.expectedLow, unit)} to ${value(s.expectedHigh, unit)}`,
      s.lastScore === null ? '-' : s.lastScore.toFixed(2),
      `${s.points}${s.warmingUp ? ' (learning)' : ''}`,
      s.firing ?? '',
    ];
  });
  return `${formatTable(['SERVICE', 'SIGNAL', 'LAST', 'EXPECTED', 'SCORE', 'POINTS', 'FIRING'], rows)}\n`;
}
