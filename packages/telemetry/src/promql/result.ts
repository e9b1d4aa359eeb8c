/** What a PromQL query returns: Prometheus's four result types, timestamps in milliseconds. */
import type { Labels } from '../model/labels.js';

/** One element of an instant-vector result. */
export interface VectorResultSample {
  readonly metric: Labels;
  readonly timestampMs: number;
  readonly value: number;
}

/** One series of a matrix result; `timestampsMs` and `values` have the same length. */
export interface MatrixResultSeries {
  readonly metric: Labels;
  readonly timestampsMs: number[];
  readonly values: number[];
}

/** The result of an instant or range query, shaped like Prometheus's `data` object. */
export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: VectorResultSample[] }
  | { readonly resultType: 'matrix'; readonly result: MatrixResultSeries[] }
  | {
      readonly resultType: 'scalar';
      readonly result: { readonly timestampMs: number; readonly value: number };
    }
  | {
      readonly resultType: 'string';
      readonly result: { readonly timestampMs: number; readonly value: string };
    };
