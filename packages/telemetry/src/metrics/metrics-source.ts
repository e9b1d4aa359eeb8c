import type { ExemplarSeries } from '../exemplars/exemplar.js';
import type { Labels } from '../model/labels.js';

export type { Exemplar, ExemplarSeries } from '../exemplars/exemplar.js';

/** One sample of an instant vector. */
export interface InstantSample {
  readonly labels: Labels;
  readonly timestampMs: number;
  readonly value: number;
}

/** One series of a range query's matrix, its points oldest first. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timestampsMs: readonly number[];
  readonly values: readonly number[];
}

/** A PromQL result, in Prometheus's four result types. */
export type QueryResult =
  | { readonly type: 'vector'; readonly samples: readonly InstantSample[] }
  | { readonly type: 'matrix'; readonly series: readonly RangeSeries[] }
  | { readonly type: 'scalar'; readonly timestampMs: number; readonly value: number }
  | { readonly type: 'string'; readonly timestampMs: number; readonly value: string };

/** Why a query failed, in Prometheus's error types (plus `unavailable` for a backend that cannot be reached). */
export type MetricsErrorKind = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'unavailable' | 'internal';

/** A failed metrics query; `message` is the backend's own (with the parser's position for bad PromQL). */
export class MetricsQueryError extends Error {
  override readonly name = 'MetricsQueryError';
  /** What went wrong, in Prometheus's vocabulary. */
  readonly kind: MetricsErrorKind;
  constructor(kind: MetricsErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/**
 * Where metrics are read from: the embedded TSDB + PromQL engine, or any server speaking Prometheus's HTTP
 * API (Prometheus, VictoriaMetrics, Thanos, Mimir). The AIOps layer, CLI and dashboard only see this.
 */
export interface MetricsSource {
  /** Evaluates `query` at one instant. */
  instantQuery(query: string, timeMs: number): Promise<QueryResult>;
  /** Evaluates `query` at every step from start to end (inclusive); always a matrix or a string error. */
  rangeQuery(query: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult>;
  /** Label sets of the series matching any of the selectors (e.g. `up{job="orders"}`) in the range. */
  series(selectors: readonly string[], startMs: number, endMs: number): Promise<Labels[]>;
  /** Label names in use in the range, sorted. */
  labelNames(startMs: number, endMs: number): Promise<string[]>;
  /** Values of one label in the range, sorted. */
  labelValues(name: string, startMs: number, endMs: number): Promise<string[]>;
  /**
   * Exemplars (e.g. trace ids of latency buckets) in the range, of the series the selectors of the PromQL
   * `query` match, series sorted by labels (Prometheus's `query_exemplars`); `[]` when there are none.
   */
  queryExemplars(query: string, startMs: number, endMs: number): Promise<ExemplarSeries[]>;
}
