import type { SignalUnit } from './golden-signals.js';

/** Every panel and variable reads the data source chosen in the `datasource` variable. */
export const DATASOURCE_REF = { type: 'prometheus', uid: '${datasource}' } as const;

/** Grafana's JSON model, loosely typed: dashboards are written to files and validated by tests. */
export type GrafanaJson = { [key: string]: unknown };

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  /** Series name template (`{{route}}`, `p99`). */
  readonly legend?: string;
}

/** A panel to lay out; rows of the grid are filled left to right. */
export interface PanelSpec {
  readonly title: string;
  readonly type?: 'timeseries' | 'stat' | 'gauge' | 'row';
  readonly queries?: readonly PanelQuery[];
  readonly unit?: SignalUnit | 'percentunit' | 'none';
  readonly description?: string;
  /** Grid columns out of 24; 12 by default (24 for rows). */
  readonly width?: number;
  /** Grid rows; 8 by default (1 for rows). */
  readonly height?: number;
  /** Colour steps (value → colour) for stat/gauge, or dashed threshold lines on time series. */
  readonly thresholds?: readonly { readonly value: number | null; readonly color: string }[];
  readonly min?: number;
  readonly max?: number;
}

const GRAFANA_UNITS: Record<NonNullable<PanelSpec['unit']>, string> = {
  seconds: 's',
  'requests/s': 'reqps',
  ratio: 'percentunit',
  percentunit: 'percentunit',
  cores: 'short',
  bytes: 'bytes',
  requests: 'short',
  none: 'none',
};

/** A template variable listing the values of `label` on `metric` (e.g. every `service`). */
export function queryVariable(name: string, label: string, metric: string, title = name): GrafanaJson {
  const query = `label_values(${metric}, ${label})`;
  return {
    name,
    label: title,
    type: 'query',
    datasource: DATASOURCE_REF,
    definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    sort: 1,
    multi: false,
    includeAll: false,
    hide: 0,
    current: {},
    options: [],
  };
}

/** The `datasource` variable: any Prometheus data source. */
export const DATASOURCE_VARIABLE: GrafanaJson = {
  name: 'datasource',
  label: 'Data source',
  type: 'datasource',
  query: 'prometheus',
  refresh: 1,
  hide: 0,
  current: {},
  options: [],
};

function panel(spec: PanelSpec, id: number, gridPos: GrafanaJson): GrafanaJson {
  const type = spec.type ?? 'timeseries';
  if (type === 'row') return { id, type, title: spec.title, gridPos, collapsed: false, panels: [] };
  const steps = spec.thresholds ?? [{ value: null, color: 'green' }];
  return {
    id,
    type,
    title: spec.title,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    gridPos,
    datasource: DATASOURCE_REF,
    targets: (spec.queries ?? []).map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE_REF,
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      range: true,
      instant: false,
    })),
    fieldConfig: {
      defaults: {
        unit: GRAFANA_UNITS[spec.unit ?? 'none'],
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.max !== undefined ? { max: spec.max } : {}),
        thresholds: { mode: 'absolute', steps },
        ...(type === 'timeseries'
          ? {
              custom: {
                drawStyle: 'line',
                fillOpacity: 10,
                showPoints: 'never',
                thresholdsStyle: { mode: spec.thresholds ? 'dashed' : 'off' },
              },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      type === 'timeseries'
        ? {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'value',
            graphMode: 'area',
            textMode: 'auto',
          },
  };
}

/** Options of {@link grafanaDashboard}. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Besides `datasource`, which every dashboard has first. */
  readonly variables: readonly GrafanaJson[];
  readonly panels: readonly PanelSpec[];
}

/**
 * A Grafana dashboard (schemaVersion 39) whose panels are laid out on the 24-column grid in order, with
 * unique ids, a `${datasource}` Prometheus variable and the given template variables.
 */
export function grafanaDashboard(spec: DashboardSpec): GrafanaJson {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((p, i) => {
    const row = p.type === 'row';
    const w = row ? 24 : Math.min(24, p.width ?? 12);
    const h = row ? 1 : (p.height ?? 8);
    if (row || x + w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return panel(p, i + 1, gridPos);
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    version: 1,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: [DATASOURCE_VARIABLE, ...spec.variables] },
    panels,
  };
}
