import { useMemo } from 'react';
import type { Api } from '../../api/client.js';
import type { ApiError } from '../../api/problem.js';
import type { QueryRangeAnswer, SignalsAnswer } from '../../api/service-types.js';
import type { SignalQuery } from '../../api/types.js';
import { useQuery } from '../../app/use-query.js';
import { asApiError } from '../../components/api-error.js';
import { seriesOfMatrix, stepFor, type ChartSeries } from '../../components/chart-data.js';
import { formatSeconds, formatTime } from '../../components/format.js';
import { TimeChart } from '../../components/time-chart.js';
import { Card, Empty, ErrorNote, Loading } from '../../components/ui.js';
import { useAnomalyOverlays } from './service-anomalies.js';
import { useEventMarkers } from './service-markers.js';
import { RANGES, type RangeKey } from './service-ranges.js';

/** Signals drawn together on one chart (same unit); the others get a chart each. */
const GROUPS: Record<string, string> = {
  latency_p50: 'Latency (HTTP)',
  latency_p95: 'Latency (HTTP)',
  latency_p99: 'Latency (HTTP)',
  memory_rss: 'Memory',
  memory_rss_max: 'Memory',
  heap_used: 'Memory',
};

export interface SignalGroup {
  title: string;
  unit: string;
  signals: SignalQuery[];
}

/** The charts of a service's signals, in the order the API lists them. */
export function groupSignals(signals: readonly SignalQuery[]): SignalGroup[] {
  const groups = new Map<string, SignalGroup>();
  for (const signal of signals) {
    const title = GROUPS[signal.name] ?? signal.title;
    const group = groups.get(title);
    if (group !== undefined && group.unit === signal.unit) group.signals.push(signal);
    else
      groups.set(group === undefined ? title : `${title} (${signal.name})`, {
        title,
        unit: signal.unit,
        signals: [signal],
      });
  }
  return [...groups.values()];
}

interface ChartData {
  from: number;
  to: number;
  step: number;
  results: Map<string, { series: ChartSeries[] } | { error: ApiError }>;
}

async function fetchRanges(
  api: Api,
  signals: readonly SignalQuery[],
  rangeSeconds: number,
  nowMs: number,
  signal: AbortSignal,
): Promise<ChartData> {
  const step = stepFor(rangeSeconds);
  const to = Math.floor(nowMs / 1000);
  const from = to - rangeSeconds;
  const answers = await Promise.allSettled(
    signals.map((s) =>
      api.get<QueryRangeAnswer>('/api/v1/query_range', { query: s.expr, start: from, end: to, step }, signal),
    ),
  );
  const results = new Map<string, { series: ChartSeries[] } | { error: ApiError }>();
  signals.forEach((s, i) => {
    const answer = answers[i];
    if (answer?.status === 'fulfilled')
      results.set(s.name, { series: seriesOfMatrix(answer.value.data?.result ?? [], s.title, step) });
    else {
      results.set(s.name, { error: asApiError(answer?.reason) });
    }
  });
  return { from, to, step, results };
}

/** The golden-signal charts of a service over the chosen range, with anomaly overlays and event markers. */
export function SignalCharts(props: { service: string; range: RangeKey; now: () => number }) {
  const { service, range, now } = props;
  const rangeSeconds = RANGES[range];
  const signals = useQuery(
    `signals:${service}`,
    (api, signal) => api.get<SignalsAnswer>('/v1/signals', { service, window: '1m' }, signal),
    { pollMs: 0 },
  );
  const list = signals.data?.signals;
  const ranges = useQuery(
    `ranges:${service}:${range}:${(list ?? []).map((s) => s.name).join(',')}`,
    (api, signal) => fetchRanges(api, list ?? [], rangeSeconds, now(), signal),
    { pollMs: rangeSeconds <= 3600 ? 15_000 : 60_000, enabled: list !== undefined },
  );
  const markers = useEventMarkers(service);
  const anomalies = useAnomalyOverlays(service);
  const groups = useMemo(() => groupSignals(list ?? []), [list]);

  return (
    <Card
      title="Golden signals"
      actions={
        <span className="muted">
          {ranges.data !== undefined
            ? `${formatTime(ranges.data.from * 1000)} – ${formatTime(ranges.data.to * 1000)}, a point every ${formatSeconds(ranges.data.step)}`
            : ''}
        </span>
      }
    >
      <ErrorNote error={signals.error} what="Signals" />
      <ErrorNote error={markers.error} what="Events" />
      {anomalies.note !== undefined && <p className="muted">{anomalies.note}</p>}
      {signals.loading && list === undefined && <Loading label="Loading signals…" />}
      {list !== undefined && list.length === 0 && <Empty>No golden signals are defined for {service}.</Empty>}
      <div className="chart-grid">
        {groups.map((group) => {
          const series: ChartSeries[] = [];
          let error: ApiError | undefined;
          for (const s of group.signals) {
            const result = ranges.data?.results.get(s.name);
            if (result === undefined) continue;
            if ('error' in result) error = result.error;
            else series.push(...result.series);
          }
          const overlay = group.signals
            .map((s) => anomalies.bySignal.get(s.name))
            .find((o) => o !== undefined);
          const episodes = group.signals.flatMap((s) => anomalies.episodes.get(s.name) ?? []);
          return (
            <TimeChart
              key={group.title + group.signals[0]?.name}
              title={group.title}
              unit={group.unit}
              series={series}
              markers={[...markers.markers, ...episodes]}
              {...(overlay === undefined
                ? {}
                : { overlays: overlay.overlays, band: overlay.band, note: overlay.note })}
              {...(ranges.data === undefined ? {} : { from: ranges.data.from, to: ranges.data.to })}
              loading={ranges.loading || signals.loading}
              {...(error === undefined ? {} : { error })}
            />
          );
        })}
      </div>
      <ErrorNote error={ranges.error} what="Charts" />
    </Card>
  );
}
