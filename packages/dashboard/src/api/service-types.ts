// Shapes of the answers the Service page reads. The routes are the truth: control-api.ts (events, logs,
// describe, anomalies, log templates), packages/telemetry (Prometheus query_range, the trace API).
import type { MatrixSeries, RuntimeEventRecord, ServiceStatus, SignalQuery } from './types.js';
import type { LogLevel } from '@opsloop/contracts/log-level';

/** `GET /v1/signals?service=<s>`. */
export interface SignalsAnswer {
  signals: SignalQuery[];
}

/** `GET /api/v1/query_range`: Prometheus's own answer. */
export interface QueryRangeAnswer {
  status: 'success' | 'error';
  data: { resultType: string; result: MatrixSeries[] };
  warnings?: string[];
}

/** `GET /v1/events`. */
export interface EventsAnswer {
  events: RuntimeEventRecord[];
  last: number;
}

/** `GET /v1/services/<s>` (what `opsloop describe` prints; the spec is masked and not read here). */
export interface ServiceDescription {
  spec: unknown;
  status: ServiceStatus;
  rollout: unknown;
  autoscaling: unknown;
  events: RuntimeEventRecord[];
}

/** One watched series of live anomaly detection (`GET /v1/anomalies/series`). */
export interface LiveSeriesStatus {
  service: string;
  signal: string;
  kind: string;
  unit: string;
  labels: Record<string, string>;
  points: number;
  skipped: number;
  warmingUp: boolean;
  lastAtMs: number | null;
  lastValue: number | null;
  lastScore: number | null;
  expected: number | null;
  expectedLow: number | null;
  expectedHigh: number | null;
  /** The id of the episode in progress. */
  firing: string | null;
}

/** `GET /v1/anomalies/series?service=<s>`. */
export interface AnomalySeriesAnswer {
  series: LiveSeriesStatus[];
}

/** One anomaly episode (`GET /v1/anomalies`). */
export interface AnomalyEpisode {
  id: string;
  service: string;
  signal: string;
  unit: string;
  state: 'firing' | 'resolved';
  startsAtMs: number;
  endsAtMs?: number;
  score: number;
  value: number;
  expected: number;
  direction: 'above' | 'below';
}

/** `GET /v1/anomalies?service=<s>`. */
export interface AnomaliesAnswer {
  anomalies: AnomalyEpisode[];
}

export type LogLevelName = LogLevel;

/** One template of a service's logs. */
export interface TemplateSummary {
  templateId: string;
  template: string;
  count: number;
  levels: Partial<Record<LogLevelName, number>>;
  firstSeenMs: number;
  lastSeenMs: number;
  example: string;
}

/** `GET /v1/services/<s>/log-templates`. */
export interface LogTemplatesAnswer {
  service: string;
  total: number;
  templates: TemplateSummary[];
}

/** `GET /v1/log-events?service=<s>`: new templates and error bursts. */
export type LogInsightEvent =
  | {
      kind: 'new-template';
      service: string;
      atMs: number;
      level: LogLevelName;
      templateId: string;
      template: string;
      example: string;
    }
  | {
      kind: 'error-burst';
      service: string;
      atMs: number;
      errors: number;
      baselinePerMinute: number;
      topTemplates: { templateId: string; template: string; count: number }[];
    };

export interface LogEventsAnswer {
  events: LogInsightEvent[];
}

/** One ndjson line of `GET /v1/services/<s>/logs`. */
export interface LogStreamLine {
  replica: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** One trace of `GET /api/traces`. */
export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  error: boolean;
  services: string[];
}

export interface TracesAnswer {
  traces: TraceSummary[];
}

/** One span of `GET /api/traces/<id>` (the fields the waterfall reads). */
export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  service: string;
  startMs: number;
  durationMs: number;
  status: { code: 'unset' | 'ok' | 'error'; message?: string };
  attributes: Record<string, unknown>;
}

/** `GET /api/traces/<id>`. */
export interface TraceAnswer {
  traceId: string;
  spans: SpanJson[];
}
