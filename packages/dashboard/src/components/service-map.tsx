import { useId, useMemo } from 'react';
import { hrefOf } from '../app/router.js';
import { formatClipped, formatNumber, formatPercent, formatSeconds } from './format.js';
import { layoutMap } from './map-layout.js';
import './service-map.css';

/** One service of the map and its figures (undefined: not measured). */
export interface MapService {
  name: string;
  /** Seen only in traces (a database, an external API): not run by the runtime, no page of its own. */
  external: boolean;
  /** Requests/s (HTTP and gRPC). */
  rate: number | undefined;
  errorRatio: number | undefined;
  /** Seconds. */
  p99: number | undefined;
  ready: number | undefined;
  desired: number | undefined;
  /** Why it needs a look, in words (empty: healthy). */
  alerts: string[];
}

/** Calls from one service to another, from the traces. */
export interface MapCall {
  from: string;
  to: string;
  /** Calls/s. */
  rate: number;
  errorRatio: number | undefined;
}

/** Edges whose error ratio is above this are drawn as failing. */
const FAILING_EDGE_RATIO = 0.05;

const NODE_WIDTH = 176;
const NODE_HEIGHT = 64;

/** What a node says to a screen reader (and in its tooltip). */
export function serviceLabel(s: MapService): string {
  if (s.external) return `${s.name}: called service outside the runtime (seen in traces)`;
  // The node's visible words in their order (WCAG 2.5.3, label in name: a voice user says what they see),
  // then what the picture says by colour and marker.
  const figures = `${rateLine(s)}, ${latencyLine(s)}${readyText(s)}`;
  return `${s.name}: ${figures}${s.alerts.length > 0 ? `; needs attention: ${s.alerts.join(', ')}` : ''}`;
}

const rateLine = (s: MapService) => `${formatNumber(s.rate)} req/s · ${formatPercent(s.errorRatio)} err`;
const latencyLine = (s: MapService) => `p99 ${formatSeconds(s.p99)} · `;
const readyText = (s: MapService) =>
  `${s.ready === undefined ? '–' : `${s.ready}/${s.desired ?? '–'}`} ready`;

function callLabel(c: MapCall): string {
  const errors = c.errorRatio === undefined ? '' : `, ${formatPercent(c.errorRatio)} errors`;
  return `${c.from} calls ${c.to}: ${formatNumber(c.rate)} calls/s${errors}`;
}

/**
 * The live service map: services left to right by call depth, each a keyboard-reachable link to its page;
 * services needing attention get a red border and a ⚠ marker (never colour alone).
 */
export function ServiceMap(props: { services: MapService[]; calls: MapCall[]; roots?: string[] }) {
  const { services, calls, roots } = props;
  const markerId = `map-arrow-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const layout = useMemo(
    () =>
      layoutMap(
        services.map((s) => s.name),
        calls,
        { roots: roots ?? [], nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT },
      ),
    [services, calls, roots],
  );
  const byName = new Map(services.map((s) => [s.name, s]));
  const callOf = new Map(calls.map((c) => [JSON.stringify([c.from, c.to]), c]));

  return (
    <div className="service-map">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        style={{ maxWidth: `${layout.width}px`, minWidth: `${Math.min(layout.width, 900)}px` }}
        role="group"
        aria-label={`Service map: ${services.length} services, ${calls.length} calls`}
      >
        <defs>
          <marker
            id={markerId}
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="map-arrow" />
          </marker>
        </defs>
        {layout.edges.map((edge) => {
          const call = callOf.get(JSON.stringify([edge.from, edge.to]))!;
          const failing = (call.errorRatio ?? 0) > FAILING_EDGE_RATIO;
          return (
            <g key={`${edge.from}>${edge.to}`} className={`map-edge${failing ? ' failing' : ''}`}>
              <title>{callLabel(call)}</title>
              {/* A reversed call's path starts at its callee: the arrowhead goes there. */}
              <path
                d={edge.path}
                {...(edge.reversed
                  ? { markerStart: `url(#${markerId})` }
                  : { markerEnd: `url(#${markerId})` })}
              />
              <text x={edge.labelX} y={edge.labelY - 4} textAnchor="middle" className="map-edge-label">
                {`${formatNumber(call.rate)}/s`}
                {failing ? ` ⚠ ${formatPercent(call.errorRatio, 0)}` : ''}
              </text>
            </g>
          );
        })}
        {/* Drawn column by column, top to bottom: the Tab order follows the picture. */}
        {[...layout.nodes]
          .sort((a, b) => a.layer - b.layer || a.order - b.order)
          .map((node) => {
            const s = byName.get(node.id)!;
            const label = serviceLabel(s);
            const alert = s.alerts.length > 0;
            const unready = s.ready !== undefined && s.desired !== undefined && s.ready < s.desired;
            const body = (
              <>
                <title>{label}</title>
                <rect x={node.x} y={node.y} width={node.width} height={node.height} rx={7} />
                <text x={node.x + 10} y={node.y + 20} className="map-node-name">
                  {alert ? '⚠ ' : ''}
                  {formatClipped(s.name, alert ? 17 : 19)}
                  {/* Not drawn: keeps the name and the figures apart in the text a voice user sees. */}{' '}
                </text>
                {s.external ? (
                  <text x={node.x + 10} y={node.y + 40} className="map-node-figures">
                    outside the runtime
                  </text>
                ) : (
                  <>
                    <text x={node.x + 10} y={node.y + 38} className="map-node-figures">
                      {`${rateLine(s)} `}
                    </text>
                    <text x={node.x + 10} y={node.y + 55} className="map-node-figures">
                      {latencyLine(s)}
                      <tspan className={unready ? 'unready' : undefined}>{readyText(s)}</tspan>
                    </text>
                  </>
                )}
              </>
            );
            const className = `map-node${alert ? ' attention' : ''}${s.external ? ' external' : ''}`;
            return s.external ? (
              <g key={node.id} className={className} role="img" aria-label={label}>
                {body}
              </g>
            ) : (
              <a
                key={node.id}
                href={hrefOf({ page: 'service', service: s.name })}
                className={className}
                aria-label={label}
              >
                {body}
              </a>
            );
          })}
      </svg>
      <p className="map-legend muted">
        <span>
          <span className="legend-attention">⚠</span> needs attention (active anomaly, open incident, errors
          &gt; 5 % or unready replicas)
        </span>
        <span>dashed edge: calls failing &gt; 5 %</span>
        <span>dotted box: outside the runtime</span>
        <span>edge labels: calls/s (last 5 min of traces)</span>
      </p>
    </div>
  );
}
