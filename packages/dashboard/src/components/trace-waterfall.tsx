import { useMemo } from 'react';
import type { SpanJson } from '../api/service-types.js';
import { formatSeconds } from './format.js';
import { buildSpanTree } from './span-tree.js';
import './trace-waterfall.css';

function formatMs(ms: number): string {
  return ms > 0 && ms < 1 ? `${Math.round(ms * 1000)} µs` : formatSeconds(ms / 1000);
}

const isError = (span: SpanJson) => span.status?.code === 'error';

/**
 * A trace as a waterfall: one row per span, nested under its parent, a bar at its start offset as long as
 * its duration. Error spans say so in words as well as in colour; orphans and clock skew are labelled.
 */
export function TraceWaterfall(props: { spans: readonly SpanJson[]; traceId: string }) {
  const tree = useMemo(() => buildSpanTree(props.spans), [props.spans]);
  const total = tree.durationMs > 0 ? tree.durationMs : 1;
  const errors = tree.rows.filter((r) => isError(r.span)).length;
  const services = new Set(tree.rows.map((r) => r.span.service));
  if (tree.rows.length === 0) return <p className="muted">This trace has no spans.</p>;
  return (
    <div className="waterfall">
      <p className="muted waterfall-summary">
        {tree.rows.length} span{tree.rows.length === 1 ? '' : 's'} · {services.size} service
        {services.size === 1 ? '' : 's'} · {formatMs(tree.durationMs)}
        {errors > 0 ? ` · ${errors} error span${errors === 1 ? '' : 's'}` : ''}
      </p>
      <div className="waterfall-scale" aria-hidden="true">
        <span>0</span>
        <span>{formatMs(tree.durationMs / 2)}</span>
        <span>{formatMs(tree.durationMs)}</span>
      </div>
      <ol className="waterfall-rows" aria-label={`Spans of trace ${props.traceId}`}>
        {tree.rows.map((row) => {
          const error = isError(row.span);
          const left = (row.offsetMs / total) * 100;
          const width = Math.max(0.3, (row.durationMs / total) * 100);
          const notes = [
            error ? `error${row.span.status.message ? `: ${row.span.status.message}` : ''}` : undefined,
            row.orphan ? 'parent span missing' : undefined,
            row.skewed ? 'outside its parent (clock skew?)' : undefined,
          ].filter((n): n is string => n !== undefined);
          const description = `${row.span.service} ${row.span.name}, starts at ${formatMs(row.offsetMs)}, takes ${formatMs(row.durationMs)}${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`;
          return (
            <li
              key={row.span.spanId}
              className={`waterfall-row${error ? ' waterfall-error' : ''}`}
              tabIndex={0}
              aria-label={description}
              title={description}
            >
              <div className="waterfall-label" style={{ paddingLeft: `${row.depth * 14}px` }}>
                <span className="waterfall-service">{row.span.service}</span>{' '}
                <span className="waterfall-op">{row.span.name}</span>
                {notes.map((note) => (
                  <span key={note} className={`waterfall-note${note.startsWith('error') ? ' is-error' : ''}`}>
                    {note}
                  </span>
                ))}
              </div>
              <div className="waterfall-track">
                <div className="waterfall-bar" style={{ left: `${left}%`, width: `${width}%` }} />
                <span
                  className="waterfall-duration"
                  style={left > 70 ? { right: `${100 - left + 0.5}%` } : { left: `${left + width + 0.5}%` }}
                >
                  {formatMs(row.durationMs)}
                </span>
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
