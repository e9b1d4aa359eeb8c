import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ApiError } from '../api/problem.js';
import {
  alignSeries,
  lastValue,
  markersIn,
  type ChartMarker,
  type ChartSeries,
  type MarkerKind,
  type Point,
} from './chart-data.js';
import { formatScore, formatTime, formatUnit } from './format.js';
import { Empty, ErrorNote, Loading } from './ui.js';
import './time-chart.css';

/** An expected range drawn as a shaded area (e.g. the anomaly detector's band). */
export interface ChartBand {
  label: string;
  low: readonly Point[];
  high: readonly Point[];
}

export interface TimeChartProps {
  title: string;
  series: readonly ChartSeries[];
  /** The values' unit (`seconds`, `ratio`, `bytes`, `requests/s`, …). */
  unit: string;
  markers?: readonly ChartMarker[];
  band?: ChartBand;
  /** Extra series drawn dashed (overlays such as an anomaly score). */
  overlays?: readonly ChartSeries[];
  height?: number;
  /** The x range shown when not zoomed, seconds since the epoch. */
  from?: number;
  to?: number;
  loading?: boolean;
  error?: ApiError;
  /** Words under the title (what the overlay means, the detector's state). */
  note?: string;
}

const PALETTE = ['--accent', '--warn', '--ok', '--info', '--text-muted'];
const DASHES: number[][] = [[], [6, 3], [2, 3], [8, 3, 2, 3], [1, 2]];
const MARKER_COLOUR: Record<MarkerKind, string> = {
  deploy: '--accent',
  rollout: '--info',
  flag: '--warn',
  scale: '--ok',
  chaos: '--bad',
  anomaly: '--bad',
  other: '--text-muted',
};

/** The value of a theme colour variable (the chart draws on a canvas, which cannot use `var()`). */
function cssVar(name: string, fallback = '#888888'): string {
  if (typeof getComputedStyle !== 'function') return fallback;
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

function translucent(colour: string): string {
  return /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}33` : colour;
}

/** Whether this browser can draw uPlot charts (jsdom, used by tests, has neither canvas nor matchMedia). */
function canDraw(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function';
}

/** Changes whenever the theme (`data-theme` on <html>) changes, so the chart re-reads its colours. */
function useThemeKey(): string {
  const [theme, setTheme] = useState(() => document.documentElement.dataset.theme ?? '');
  useEffect(() => {
    if (typeof MutationObserver !== 'function') return;
    const observer = new MutationObserver(() => setTheme(document.documentElement.dataset.theme ?? ''));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

interface Line {
  label: string;
  colour: string;
  dash: number[];
  points: readonly Point[];
  kind: 'series' | 'overlay' | 'band';
}

/** A time-series chart (uPlot) with a legend, event markers, an optional band, and drag-to-zoom. */
export function TimeChart(props: TimeChartProps) {
  const { title, unit, height = 180, from, to } = props;
  const themeKey = useThemeKey();
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const [cursorIndex, setCursorIndex] = useState<number | null>(null);
  const markers = useMemo(
    () =>
      from === undefined || to === undefined
        ? [...(props.markers ?? [])]
        : markersIn(props.markers ?? [], from, to),
    [props.markers, from, to],
  );
  const markersRef = useRef(markers);
  markersRef.current = markers;

  const lines = useMemo<Line[]>(() => {
    void themeKey;
    const out: Line[] = props.series.map((s, i) => ({
      label: s.label,
      colour: cssVar(PALETTE[i % PALETTE.length] ?? '--accent'),
      dash: DASHES[i % DASHES.length] ?? [],
      points: s.points,
      kind: 'series',
    }));
    for (const overlay of props.overlays ?? [])
      out.push({
        label: overlay.label,
        colour: cssVar('--bad'),
        dash: [4, 4],
        points: overlay.points,
        kind: 'overlay',
      });
    if (props.band !== undefined) {
      const colour = cssVar('--text-muted');
      out.push({
        label: `${props.band.label} (high)`,
        colour,
        dash: [1, 3],
        points: props.band.high,
        kind: 'band',
      });
      out.push({
        label: `${props.band.label} (low)`,
        colour,
        dash: [1, 3],
        points: props.band.low,
        kind: 'band',
      });
    }
    return out;
  }, [props.series, props.overlays, props.band, themeKey]);

  const aligned = useMemo(() => alignSeries(lines), [lines]);
  const hasData = aligned.ys.some((column) => column.some((v) => v !== null && v !== undefined));
  const structure = `${themeKey}|${unit}|${height}|${lines.map((l) => `${l.kind}:${l.label}`).join('|')}`;
  const linesRef = useRef(lines);
  linesRef.current = lines;
  const rangeRef = useRef({ from, to });
  rangeRef.current = { from, to };

  // (Re)creates the chart when its structure changes; data changes go through setData below.
  useEffect(() => {
    const element = container.current;
    if (element === null || !hasData || !canDraw()) return;
    let disposed = false;
    let resize: ResizeObserver | undefined;
    void import('uplot').then(({ default: UPlot }) => {
      if (disposed) return;
      const current = linesRef.current;
      const overlayScale = current.some((l) => l.kind === 'overlay');
      const bandIndex = current.findIndex((l) => l.kind === 'band');
      const axisColour = cssVar('--text-muted');
      const grid = { stroke: cssVar('--chart-grid'), width: 1 };
      const options: uPlot.Options = {
        width: Math.max(200, element.clientWidth),
        height,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: true } },
        scales: { x: { time: true }, ...(overlayScale ? { score: { range: [0, 1] } } : {}) },
        series: [
          {},
          ...current.map((line) => ({
            label: line.label,
            stroke: line.colour,
            width: line.kind === 'series' ? 1.5 : 1,
            dash: line.dash,
            spanGaps: false,
            points: { show: false },
            ...(line.kind === 'overlay' ? { scale: 'score' } : {}),
          })),
        ],
        bands:
          bandIndex >= 0
            ? [{ series: [bandIndex + 1, bandIndex + 2], fill: translucent(cssVar('--text-muted')) }]
            : [],
        axes: [
          { stroke: axisColour, grid, ticks: grid },
          {
            stroke: axisColour,
            grid,
            ticks: grid,
            size: 70,
            values: (_u, splits) => splits.map((v) => formatUnit(v, unit)),
          },
          ...(overlayScale
            ? [{ scale: 'score', side: 1 as const, stroke: axisColour, grid: { show: false }, size: 40 }]
            : []),
        ],
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width > 0) setZoomed(true);
            },
          ],
          setCursor: [(u) => setCursorIndex(u.cursor.idx ?? null)],
          draw: [(u) => drawMarkers(u, markersRef.current)],
        },
      };
      const instance = new UPlot(options, alignedOf(linesRef.current), element);
      plot.current = instance;
      showRange(instance, rangeRef.current);
      if (typeof ResizeObserver === 'function') {
        resize = new ResizeObserver(() =>
          instance.setSize({ width: Math.max(200, element.clientWidth), height }),
        );
        resize.observe(element);
      }
    });
    return () => {
      disposed = true;
      resize?.disconnect();
      plot.current?.destroy();
      plot.current = null;
      setZoomed(false);
    };
  }, [structure, hasData, height, unit]);

  // New data keeps the zoom; when not zoomed the picker's range stays in view.
  useEffect(() => {
    const instance = plot.current;
    if (instance === null) return;
    instance.setData(toUplotData(aligned), false);
    // Setting the x scale redraws with the new data and re-fits the y scales to what is in view.
    const { min, max } = instance.scales.x ?? {};
    if (!zoomed) showRange(instance, { from, to });
    else if (min !== undefined && max !== undefined) instance.setScale('x', { min, max });
  }, [aligned, from, to, zoomed]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [markers]);

  const resetZoom = () => {
    setZoomed(false);
    if (plot.current !== null) showRange(plot.current, { from, to });
  };

  const valueAt = (line: Line, index: number): number | null => {
    if (cursorIndex === null) return lastValue(line.points);
    return aligned.ys[index]?.[cursorIndex] ?? null;
  };
  const summary = lines
    .filter((l) => l.kind === 'series')
    .map((l) => `${l.label} ${formatUnit(lastValue(l.points), unit)}`)
    .join(', ');

  return (
    <figure className="time-chart">
      <figcaption className="time-chart-head">
        <h3>{title}</h3>
        {zoomed && (
          <button type="button" className="ghost" onClick={resetZoom} aria-label={`Reset zoom of ${title}`}>
            Reset zoom
          </button>
        )}
      </figcaption>
      {props.note !== undefined && <p className="muted time-chart-note">{props.note}</p>}
      <ErrorNote error={props.error} what={title} />
      {props.loading === true && !hasData ? (
        <Loading label={`Loading ${title}…`} />
      ) : !hasData ? (
        props.error === undefined && <Empty>No data for {title} in this range.</Empty>
      ) : (
        <div
          ref={container}
          className="time-chart-plot"
          style={{ minHeight: height }}
          role="img"
          aria-label={`${title} chart. Latest: ${summary === '' ? 'none' : summary}. Drag across it to zoom.`}
        />
      )}
      {hasData && (
        <ul className="time-chart-legend" aria-label={`${title} legend`}>
          {lines.map((line, i) => (
            <li key={`${line.kind}:${line.label}`}>
              <svg width="18" height="8" aria-hidden="true">
                <line
                  x1="0"
                  y1="4"
                  x2="18"
                  y2="4"
                  stroke={line.colour}
                  strokeWidth="2"
                  strokeDasharray={line.dash.join(' ')}
                />
              </svg>
              <span>{line.label}</span>
              <span className="time-chart-value">
                {line.kind === 'overlay' ? scoreLabel(valueAt(line, i)) : formatUnit(valueAt(line, i), unit)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {markers.length > 0 && (
        <details className="time-chart-markers">
          <summary>
            {markers.length} event{markers.length === 1 ? '' : 's'} marked on {title}
          </summary>
          <ul>
            {markers.map((m, i) => (
              <li key={`${m.at}-${i}`}>
                <span className="mono">{formatTime(m.at * 1000)}</span> <strong>{m.kind}</strong> {m.label}
              </li>
            ))}
          </ul>
        </details>
      )}
    </figure>
  );
}

function scoreLabel(value: number | null): string {
  return value === null ? '–' : `score ${formatScore(value)}`;
}

function alignedOf(lines: readonly Line[]): uPlot.AlignedData {
  return toUplotData(alignSeries(lines));
}

function toUplotData(aligned: ReturnType<typeof alignSeries>): uPlot.AlignedData {
  return [aligned.xs, ...aligned.ys] as uPlot.AlignedData;
}

function showRange(instance: uPlot, range: { from: number | undefined; to: number | undefined }) {
  if (range.from !== undefined && range.to !== undefined && range.to > range.from)
    instance.setScale('x', { min: range.from, max: range.to });
}

/** Vertical dashed lines with short labels: the kind is written, not only coloured. */
function drawMarkers(u: uPlot, markers: readonly ChartMarker[]) {
  const { ctx } = u;
  const { top, height, left, width } = u.bbox;
  const ratio = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
  ctx.save();
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  let lastLabelEnd = -Infinity;
  for (const marker of markers) {
    const x = Math.round(u.valToPos(marker.at, 'x', true));
    if (x < left || x > left + width) continue;
    const colour = cssVar(MARKER_COLOUR[marker.kind]);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = ratio;
    ctx.setLineDash([4 * ratio, 3 * ratio]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    // Labels that would overlap the previous one are left to the list under the chart.
    const text = marker.kind;
    if (x > lastLabelEnd) {
      ctx.fillText(text, x + 3 * ratio, top + 2 * ratio);
      lastLabelEnd = x + ctx.measureText(text).width + 8 * ratio;
    }
  }
  ctx.restore();
}
