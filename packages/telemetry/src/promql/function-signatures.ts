/**
 * The functions of PromQL as Prometheus 2.42 knows them (`promql/parser/functions.go`): argument types,
 * how many trailing arguments are optional, and the result type. The parser checks calls against this
 * table; functions added after 2.42 are unknown on purpose so queries stay portable to that version.
 */
import type { ValueType } from './ast.js';

/** The signature of one function. */
export interface FunctionSignature {
  readonly args: readonly ValueType[];
  /**
   * 0: exactly `args`; n > 0: the last argument may be left out or repeated up to n times in all; -1: the
   * last argument may be left out or repeated without limit (Prometheus's `Variadic`).
   */
  readonly variadic: number;
  readonly returns: ValueType;
}

const v = 'vector';
const m = 'matrix';
const s = 'scalar';
const str = 'string';

const table: Record<string, FunctionSignature> = {
  abs: { args: [v], variadic: 0, returns: v },
  absent: { args: [v], variadic: 0, returns: v },
  absent_over_time: { args: [m], variadic: 0, returns: v },
  acos: { args: [v], variadic: 0, returns: v },
  acosh: { args: [v], variadic: 0, returns: v },
  asin: { args: [v], variadic: 0, returns: v },
  asinh: { args: [v], variadic: 0, returns: v },
  atan: { args: [v], variadic: 0, returns: v },
  atanh: { args: [v], variadic: 0, returns: v },
  avg_over_time: { args: [m], variadic: 0, returns: v },
  ceil: { args: [v], variadic: 0, returns: v },
  changes: { args: [m], variadic: 0, returns: v },
  clamp: { args: [v, s, s], variadic: 0, returns: v },
  clamp_max: { args: [v, s], variadic: 0, returns: v },
  clamp_min: { args: [v, s], variadic: 0, returns: v },
  cos: { args: [v], variadic: 0, returns: v },
  cosh: { args: [v], variadic: 0, returns: v },
  count_over_time: { args: [m], variadic: 0, returns: v },
  days_in_month: { args: [v], variadic: 1, returns: v },
  day_of_month: { args: [v], variadic: 1, returns: v },
  day_of_week: { args: [v], variadic: 1, returns: v },
  day_of_year: { args: [v], variadic: 1, returns: v },
  deg: { args: [v], variadic: 0, returns: v },
  delta: { args: [m], variadic: 0, returns: v },
  deriv: { args: [m], variadic: 0, returns: v },
  exp: { args: [v], variadic: 0, returns: v },
  floor: { args: [v], variadic: 0, returns: v },
  histogram_count: { args: [v], variadic: 0, returns: v },
  histogram_fraction: { args: [s, s, v], variadic: 0, returns: v },
  histogram_quantile: { args: [s, v], variadic: 0, returns: v },
  histogram_sum: { args: [v], variadic: 0, returns: v },
  hour: { args: [v], variadic: 1, returns: v },
  idelta: { args: [m], variadic: 0, returns: v },
  increase: { args: [m], variadic: 0, returns: v },
  irate: { args: [m], variadic: 0, returns: v },
  label_join: { args: [v, str, str, str], variadic: -1, returns: v },
  label_replace: { args: [v, str, str, str, str], variadic: 0, returns: v },
  last_over_time: { args: [m], variadic: 0, returns: v },
  ln: { args: [v], variadic: 0, returns: v },
  log10: { args: [v], variadic: 0, returns: v },
  log2: { args: [v], variadic: 0, returns: v },
  max_over_time: { args: [m], variadic: 0, returns: v },
  min_over_time: { args: [m], variadic: 0, returns: v },
  minute: { args: [v], variadic: 1, returns: v },
  month: { args: [v], variadic: 1, returns: v },
  pi: { args: [], variadic: 0, returns: s },
  predict_linear: { args: [m, s], variadic: 0, returns: v },
  present_over_time: { args: [m], variadic: 0, returns: v },
  quantile_over_time: { args: [s, m], variadic: 0, returns: v },
  rad: { args: [v], variadic: 0, returns: v },
  rate: { args: [m], variadic: 0, returns: v },
  resets: { args: [m], variadic: 0, returns: v },
  round: { args: [v, s], variadic: 1, returns: v },
  scalar: { args: [v], variadic: 0, returns: s },
  sgn: { args: [v], variadic: 0, returns: v },
  sin: { args: [v], variadic: 0, returns: v },
  sinh: { args: [v], variadic: 0, returns: v },
  sort: { args: [v], variadic: 0, returns: v },
  sort_desc: { args: [v], variadic: 0, returns: v },
  sqrt: { args: [v], variadic: 0, returns: v },
  stddev_over_time: { args: [m], variadic: 0, returns: v },
  stdvar_over_time: { args: [m], variadic: 0, returns: v },
  sum_over_time: { args: [m], variadic: 0, returns: v },
  tan: { args: [v], variadic: 0, returns: v },
  tanh: { args: [v], variadic: 0, returns: v },
  time: { args: [], variadic: 0, returns: s },
  timestamp: { args: [v], variadic: 0, returns: v },
  vector: { args: [s], variadic: 0, returns: v },
  year: { args: [v], variadic: 1, returns: v },
};

/** Function name → signature, for every function the engine evaluates. */
export const FUNCTION_SIGNATURES: ReadonlyMap<string, FunctionSignature> = new Map(Object.entries(table));
