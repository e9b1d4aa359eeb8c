import { useState } from 'react';
import type { TraceAnswer, TracesAnswer } from '../../api/service-types.js';
import { useQuery } from '../../app/use-query.js';
import { formatSeconds, formatTime } from '../../components/format.js';
import { TraceWaterfall } from '../../components/trace-waterfall.js';
import { TableHead } from '../../components/table-head.js';
import { Badge, Card, Empty, ErrorNote, Loading } from '../../components/ui.js';
import { RANGES, type RangeKey } from './service-ranges.js';

/** A service's recent traces over the chosen range (errors only on demand), and the selected trace's waterfall. */
export function Traces(props: {
  service: string;
  range: RangeKey;
  now: () => number;
  selected: string | undefined;
  onSelect: (traceId: string) => void;
}) {
  const { service, range, now, selected } = props;
  const [errorsOnly, setErrorsOnly] = useState(false);
  const traces = useQuery(
    `traces:${service}:${range}:${errorsOnly}`,
    (api, signal) => {
      const end = Math.floor(now());
      return api.get<TracesAnswer>(
        '/api/traces',
        {
          service,
          limit: 20,
          start: end - RANGES[range] * 1000,
          end,
          ...(errorsOnly ? { status: 'error' } : {}),
        },
        signal,
      );
    },
    { pollMs: 30_000 },
  );
  const list = traces.data?.traces;
  return (
    <>
      <Card
        title="Traces"
        actions={
          <label className="inline-check">
            <input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.target.checked)} />{' '}
            Errors only
          </label>
        }
      >
        <ErrorNote error={traces.error} what="Traces" />
        {traces.loading && list === undefined && <Loading label="Loading traces…" />}
        {list !== undefined && list.length === 0 && <Empty>No traces of {service} in this range.</Empty>}
        {list !== undefined && list.length > 0 && (
          <table>
            <TableHead
              columns={[
                'Trace',
                'Root operation',
                'Started',
                { label: 'Duration', num: true },
                { label: 'Spans', num: true },
                'Errors',
              ]}
            />
            <tbody>
              {list.map((t) => (
                <tr key={t.traceId} aria-current={t.traceId === selected ? 'true' : undefined}>
                  <td>
                    <button
                      type="button"
                      className="ghost mono"
                      onClick={() => props.onSelect(t.traceId)}
                      aria-label={`Show trace ${t.traceId.slice(0, 12)} (${t.traceId})`}
                    >
                      {t.traceId.slice(0, 12)}
                    </button>
                  </td>
                  <td>
                    <span className="muted">{t.rootService}</span> {t.rootOperation}
                  </td>
                  <td>{formatTime(t.startMs)}</td>
                  <td className="num">{formatSeconds(t.durationMs / 1000)}</td>
                  <td className="num">{t.spanCount}</td>
                  <td>
                    {t.errorCount > 0 ? (
                      <Badge tone="bad">
                        {t.errorCount} error{t.errorCount === 1 ? '' : 's'}
                      </Badge>
                    ) : (
                      <Badge tone="ok">ok</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {selected !== undefined && <TraceDetail traceId={selected} />}
    </>
  );
}

function TraceDetail(props: { traceId: string }) {
  const trace = useQuery(
    `trace:${props.traceId}`,
    (api, signal) =>
      api.get<TraceAnswer>(`/api/traces/${encodeURIComponent(props.traceId)}`, undefined, signal),
    { pollMs: 0 },
  );
  return (
    <div id="service-trace">
      <Card title={`Trace ${props.traceId}`}>
        <ErrorNote error={trace.error} what="Trace" />
        {trace.loading && trace.data === undefined && <Loading label="Loading the trace…" />}
        {trace.data !== undefined && <TraceWaterfall spans={trace.data.spans} traceId={trace.data.traceId} />}
      </Card>
    </div>
  );
}
