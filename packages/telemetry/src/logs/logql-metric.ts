/**
 * Metric evaluation over samples already extracted from entries: range aggregations over left-open windows
 * `(t − offset − range, t − offset]` at each step, then vector aggregations per step, as Loki and
 * Prometheus define them.
 */
import { labelsKey, type Labels } from '../model/labels.js';
import type { Grouping, RangeOp, VectorOp } from './logql-ast.js';

/** The samples of one series, oldest first: times in whole ms (the entry time rounded up). */
export interface SampleSeries {
  readonly labels: Labels;
  readonly times: number[];
  /** Per sample: 1 for counts, line bytes for byte ops, the unwrapped value otherwise. */
  readonly values: number[];
}

/** A series evaluated at every step; `present[i]` says whether step i has a value. */
export interface StepSeries {
  readonly labels: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** Series evaluated over the same steps (ms). */
export interface StepMatrix {
  readonly steps: readonly number[];
  readonly series: StepSeries[];
}

/** The φ-quantile of sorted values, interpolated like Prometheus (`quantile_over_time`). */
export function quantileOf(phi: number, sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  if (phi < 0) return -Infinity;
  if (phi > 1) return Infinity;
  const rank = phi * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const weight = rank - lower;
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

function variance(values: readonly number[]): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return sq / values.length;
}

/** Operations computed from a window's sum and size (prefix sums keep each step O(1)). */
const SUM_OPS = new Set<RangeOp>([
  'count_over_time',
  'rate',
  'bytes_rate',
  'bytes_over_time',
  'sum_over_time',
  'avg_over_time',
]);

function fromSum(op: RangeOp, sum: number, count: number, rangeSeconds: number): number {
  switch (op) {
    case 'count_over_time':
      return count;
    case 'rate':
    case 'bytes_rate':
      return sum / rangeSeconds;
    case 'avg_over_time':
      return sum / count;
    default:
      return sum;
  }
}

/** Aggregates a non-empty window of values with an order-statistic or moment operation. */
function aggregateWindow(op: RangeOp, param: number | undefined, window: number[]): number {
  switch (op) {
    case 'min_over_time':
      return window.reduce((a, b) => Math.min(a, b), Infinity);
    case 'max_over_time':
      return window.reduce((a, b) => Math.max(a, b), -Infinity);
    case 'first_over_time':
      return window[0]!;
    case 'last_over_time':
      return window[window.length - 1]!;
    case 'stddev_over_time':
      return Math.sqrt(variance(window));
    case 'stdvar_over_time':
      return variance(window);
    case 'quantile_over_time':
      return quantileOf(
        param ?? 0,
        [...window].sort((a, b) => a - b),
      );
    default:
      return fromSum(
        op,
        window.reduce((a, b) => a + b, 0),
        window.length,
        1,
      );
  }
}

/** Evaluates a range aggregation at every step. `rate` without unwrap counts: feed it values of 1. */
export function evalRangeAggregation(
  op: RangeOp,
  param: number | undefined,
  rangeMs: number,
  offsetMs: number,
  input: Iterable<SampleSeries>,
  steps: readonly number[],
): StepMatrix {
  const out: StepSeries[] = [];
  for (const { labels, times, values } of input) {
    const result = new Float64Array(steps.length);
    const present = new Uint8Array(steps.length);
    let lo = 0;
    let hi = 0;
    let any = false;
    let prefix: Float64Array | undefined;
    if (SUM_OPS.has(op)) {
      prefix = new Float64Array(values.length + 1);
      for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i]! + values[i]!;
    }
    for (let s = 0; s < steps.length; s++) {
      const end = steps[s]! - offsetMs;
      while (hi < times.length && times[hi]! <= end) hi++;
      while (lo < hi && times[lo]! <= end - rangeMs) lo++;
      if (hi === lo) continue;
      result[s] =
        prefix === undefined
          ? aggregateWindow(op, param, values.slice(lo, hi))
          : fromSum(op, prefix[hi]! - prefix[lo]!, hi - lo, rangeMs / 1000);
      present[s] = 1;
      any = true;
    }
    if (any) out.push({ labels, values: result, present });
  }
  return { steps, series: out };
}

/** The labels a grouping keeps (`by`: those listed; `without`: all others; none: the empty set). */
export function groupLabels(labels: Labels, grouping: Grouping | undefined): Labels {
  if (grouping === undefined) return {};
  const out: Record<string, string> = {};
  if (grouping.without) {
    const dropped = new Set(grouping.labels);
    for (const [name, value] of Object.entries(labels)) if (!dropped.has(name)) out[name] = value;
  } else {
    for (const name of grouping.labels) {
      const value = labels[name];
      if (value !== undefined && value !== '') out[name] = value;
    }
  }
  return out;
}

function aggregateValues(op: VectorOp, values: number[]): number {
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return values.reduce((a, b) => Math.min(a, b), Infinity);
    case 'max':
      return values.reduce((a, b) => Math.max(a, b), -Infinity);
    case 'count':
      return values.length;
    case 'stddev':
      return Math.sqrt(variance(values));
    case 'stdvar':
      return variance(values);
    default:
      throw new Error(`${op} is not a value aggregation`);
  }
}

/** Evaluates a vector aggregation step by step. */
export function evalVectorAggregation(
  op: VectorOp,
  param: number | undefined,
  grouping: Grouping | undefined,
  input: StepMatrix,
): StepMatrix {
  const { steps } = input;
  const groups = new Map<string, { labels: Labels; members: StepSeries[] }>();
  for (const series of input.series) {
    const labels = groupLabels(series.labels, grouping);
    const key = labelsKey(labels);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { labels, members: [series] });
    else group.members.push(series);
  }
  if (op === 'topk' || op === 'bottomk') return selectK(op, param ?? 1, [...groups.values()], steps);
  const out: StepSeries[] = [];
  for (const { labels, members } of groups.values()) {
    const values = new Float64Array(steps.length);
    const present = new Uint8Array(steps.length);
    for (let s = 0; s < steps.length; s++) {
      const at = members.filter((m) => m.present[s] === 1).map((m) => m.values[s]!);
      if (at.length === 0) continue;
      values[s] = aggregateValues(op, at);
      present[s] = 1;
    }
    out.push({ labels, values, present });
  }
  return { steps, series: out };
}

function selectK(
  op: 'topk' | 'bottomk',
  k: number,
  groups: readonly { members: StepSeries[] }[],
  steps: readonly number[],
): StepMatrix {
  const kept = new Map<StepSeries, StepSeries>();
  // NaN sorts last either way, as in Prometheus.
  const order = (a: number, b: number): number =>
    Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : op === 'topk' ? b - a : a - b;
  for (const { members } of groups) {
    for (let s = 0; s < steps.length; s++) {
      const at = members.filter((m) => m.present[s] === 1);
      at.sort((a, b) => order(a.values[s]!, b.values[s]!));
      for (const member of at.slice(0, k)) {
        let series = kept.get(member);
        if (series === undefined) {
          series = {
            labels: member.labels,
            values: new Float64Array(steps.length),
            present: new Uint8Array(steps.length),
          };
          kept.set(member, series);
        }
        series.values[s] = member.values[s]!;
        series.present[s] = 1;
      }
    }
  }
  return { steps, series: [...kept.values()] };
}
