import type { Labels } from '../model/labels.js';

/** One exemplar: a sample of the event behind a histogram bucket or counter, e.g. its trace and span ids. */
export interface Exemplar {
  /** The exemplar's own labels (`trace_id`, `span_id`), not the series'. */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch. */
  readonly timestampMs: number;
}

/** The exemplars of one series, oldest first: an element of Prometheus's `query_exemplars` answer. */
export interface ExemplarSeries {
  /** The series' labels, `__name__` and target labels included (e.g. a `_bucket` series with its `le`). */
  readonly seriesLabels: Labels;
  readonly exemplars: readonly Exemplar[];
}
