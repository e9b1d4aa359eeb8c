// Shapes the Overview page reads besides the control API's own: the trace store's dependency graph
// (packages/telemetry/src/traces/trace-source.ts, `GET /api/dependencies`) and Prometheus instant queries
// (packages/telemetry/src/promql/http-api.ts, `GET /api/v1/query`).
import type { SignalQuery, VectorSample } from './types.js';

/** Calls parent → child in the range; `null`: the backend does not report the figure. */
export interface DependencyEdge {
  parent: string;
  child: string;
  calls: number;
  errors: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Calls per second over the range. */
  ratePerSecond: number;
}

export interface DependencyNode {
  service: string;
  spans: number | null;
  errors: number | null;
}

/** `GET /api/dependencies?start=<ms>&end=<ms>`: the range (ms) and the graph. */
export interface DependencyGraphAnswer {
  start: number;
  end: number;
  nodes: DependencyNode[];
  edges: DependencyEdge[];
}

/** `GET /api/v1/query` answering a vector (every query the Overview runs does). */
export interface InstantQueryAnswer {
  status: 'success';
  data: { resultType: 'vector'; result: VectorSample[] } | { resultType: string; result: unknown };
}

/** `GET /v1/signals`. */
export interface SignalsAnswer {
  signals: SignalQuery[];
}
