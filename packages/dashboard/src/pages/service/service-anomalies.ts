import { useMemo, useRef } from 'react';
import type { AnomaliesAnswer, AnomalySeriesAnswer, LiveSeriesStatus } from '../../api/service-types.js';
import { useQuery } from '../../app/use-query.js';
import type { ChartMarker, ChartSeries, Point } from '../../components/chart-data.js';
import { formatNumber, formatScore } from '../../components/format.js';

/** A sample of live anomaly detection for one signal, kept while the page is open. */
export interface ScoreSample {
  t: number;
  score: number | null;
  low: number | null;
  high: number | null;
}

/** Adds the latest state of each series to the history (once per scored point), keeping `max` samples. */
export function recordScores(
  history: ReadonlyMap<string, readonly ScoreSample[]>,
  series: readonly LiveSeriesStatus[],
  max = 2000,
): Map<string, ScoreSample[]> {
  const next = new Map<string, ScoreSample[]>([...history].map(([k, v]) => [k, [...v]]));
  for (const s of series) {
    if (s.lastAtMs === null) continue;
    const t = s.lastAtMs / 1000;
    const samples = next.get(s.signal) ?? [];
    if (samples.at(-1)?.t === t) continue;
    samples.push({ t, score: s.lastScore, low: s.expectedLow, high: s.expectedHigh });
    next.set(s.signal, samples.length > max ? samples.slice(samples.length - max) : samples);
  }
  return next;
}

/** What a chart of one signal draws of its anomaly detection: the score, the expected band, the state. */
export interface Overlay {
  overlays: ChartSeries[];
  band: { label: string; low: Point[]; high: Point[] };
  note: string;
}

/**
 * The live anomaly overlays of a service's signals (by signal name), the anomaly episodes as chart markers,
 * and a note when detection is off or failing. The route gives only the latest state: the history starts
 * when the page opens.
 */
export function useAnomalyOverlays(service: string) {
  const history = useRef(new Map<string, ScoreSample[]>());
  const historyService = useRef(service);
  const live = useQuery(
    `anomaly-series:${service}`,
    (api, signal) => api.get<AnomalySeriesAnswer>('/v1/anomalies/series', { service }, signal),
    { pollMs: 15_000, refetchOn: (e) => e.type === 'anomaly' && e.service === service },
  );
  const episodes = useQuery(
    `anomalies:${service}`,
    (api, signal) => api.get<AnomaliesAnswer>('/v1/anomalies', { service, limit: 100 }, signal),
    { pollMs: 60_000, refetchOn: (e) => e.type === 'anomaly' && e.service === service },
  );
  return useMemo(() => {
    if (historyService.current !== service) {
      history.current = new Map();
      historyService.current = service;
    }
    history.current = recordScores(history.current, live.data?.series ?? []);
    const bySignal = new Map<string, Overlay>();
    for (const s of live.data?.series ?? []) {
      const samples = history.current.get(s.signal) ?? [];
      const state = s.warmingUp
        ? `learning (${s.points} points)`
        : `score ${formatScore(s.lastScore)}, expected ${formatNumber(s.expectedLow)}–${formatNumber(s.expectedHigh)}`;
      bySignal.set(s.signal, {
        overlays: [{ label: `anomaly score (${s.signal})`, points: samples.map((p) => [p.t, p.score]) }],
        band: {
          label: 'expected band',
          low: samples.map((p) => [p.t, p.low]),
          high: samples.map((p) => [p.t, p.high]),
        },
        note: `Anomaly detection on ${s.signal}: ${state}${s.firing !== null ? ' · ANOMALY FIRING' : ''}. Score and band are drawn from when this page opened.`,
      });
    }
    const byEpisode = new Map<string, ChartMarker[]>();
    for (const a of episodes.data?.anomalies ?? []) {
      const list = byEpisode.get(a.signal) ?? [];
      list.push({
        at: a.startsAtMs / 1000,
        kind: 'anomaly',
        label: `anomaly on ${a.signal}: ${a.direction} expected (score ${formatScore(a.score)}, ${a.state})`,
      });
      byEpisode.set(a.signal, list);
    }
    // Detection switched off answers 404: a note, not an error.
    const off =
      live.error?.status === 404 ? `Anomaly overlays are unavailable: ${live.error.detail}.` : undefined;
    const failed =
      live.error !== undefined && live.error.status !== 404
        ? `Anomaly overlays failed: ${live.error.detail}`
        : undefined;
    return { bySignal, episodes: byEpisode, note: off ?? failed };
  }, [live.data, live.error, episodes.data, service]);
}
