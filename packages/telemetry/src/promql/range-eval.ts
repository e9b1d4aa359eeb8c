/**
 * Whole-range evaluation of the common dashboard shapes — selectors, range functions over matrix selectors,
 * the plain aggregations and histogram_quantile — series by series over every step at once, instead of the
 * step-by-step evaluator's per-step binary searches, label maps and sample objects. It computes exactly what
 * the step evaluator does (same functions, same accumulation order per step) and declines, by returning
 * undefined, whatever it cannot reproduce exactly; the engine then runs the step evaluator.
 */
import { RANGE_AGGREGATIONS, aggregation, histogramQuantileRange } from './range-eval-aggregate.js';
import { hasDuplicates, materialize, type StepSeries, type StepStream } from './step-stream.js';
import type { AtModifier, Call, Expr, VectorSelector } from './ast.js';
import type { EvalBudget } from './evaluator.js';
import { dropMetricName } from './label-sets.js';
import { RANGE_FUNCTIONS, type RangeCallContext } from './range-functions.js';
import { isStale, type SeriesData } from './selectors.js';

/** What the range evaluator needs. */
export interface RangeEvalOptions {
  readonly data: ReadonlyMap<VectorSelector, readonly SeriesData[]>;
  /** Evaluation timestamps, as the step loop produces them. */
  readonly steps: Float64Array;
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
  readonly leftOpenRanges: boolean;
  /** Deadline checks only; sample accounting goes to `touched`. */
  readonly budget: EvalBudget;
  /** Samples the step evaluator would touch at each step (added to). */
  readonly touched: Float64Array;
}

const NO_SERIES: readonly SeriesData[] = [];

/** Whether {@link evaluateRange} handles `e` (a cheap structural check before any work). */
export function rangeEvaluable(e: Expr): boolean {
  switch (e.type) {
    case 'paren':
      return rangeEvaluable(e.expr);
    case 'vectorSelector':
      return true;
    case 'aggregation':
      return RANGE_AGGREGATIONS.has(e.op) && e.param === undefined && rangeEvaluable(e.expr);
    case 'call': {
      if (e.func === 'histogram_quantile')
        return constantScalar(e.args[0]!) !== undefined && rangeEvaluable(e.args[1]!);
      if (!RANGE_FUNCTIONS.has(e.func)) return false;
      const matrices = e.args.filter((a) => unwrap(a).type === 'matrixSelector');
      const scalars = e.args.filter((a) => constantScalar(a) !== undefined);
      return matrices.length === 1 && matrices.length + scalars.length === e.args.length;
    }
    default:
      return false;
  }
}

/**
 * The output series of `e` over every step (only those with at least one point), or undefined when the step
 * evaluator must run instead (an unsupported shape, or a case where it would raise an error at some step,
 * like duplicate label sets).
 */
export function evaluateRange(e: Expr, o: RangeEvalOptions): StepSeries[] | undefined {
  if (!rangeEvaluable(e)) return undefined;
  const stream = node(e, o);
  return stream === undefined ? undefined : materialize(stream);
}

function unwrap(e: Expr): Expr {
  return e.type === 'paren' ? unwrap(e.expr) : e;
}

/** The value of a scalar argument that is the same at every step (a literal), else undefined. */
export function constantScalar(e: Expr): number | undefined {
  const inner = unwrap(e);
  if (inner.type === 'number') return inner.value;
  if (inner.type === 'unary') {
    const v = constantScalar(inner.expr);
    return v === undefined ? undefined : inner.op === '-' ? -v : v;
  }
  return undefined;
}

/** The stream of a node (undefined: the step evaluator must run). */
function node(e: Expr, o: RangeEvalOptions): StepStream | undefined {
  // The step evaluator checks the deadline once per node and step; an injected clock that ticks per call
  // (the tests' way to time out) sees the same number of readings here.
  for (let i = 0; i < o.steps.length; i++) o.budget.check();
  switch (e.type) {
    case 'paren':
      return node(e.expr, o);
    case 'vectorSelector':
      return instantSelector(e, o);
    case 'aggregation':
      return aggregation(e, o, node(e.expr, o));
    case 'call':
      return e.func === 'histogram_quantile'
        ? histogramQuantileRange(constantScalar(e.args[0]!)!, o, node(e.args[1]!, o))
        : rangeCall(e, o);
    default:
      return undefined;
  }
}

function refTime(at: AtModifier | undefined, ts: number, o: RangeEvalOptions): number {
  if (at === undefined) return ts;
  if (at.kind === 'timestamp') return at.timestampMs;
  return at.kind === 'start' ? o.startMs : o.endMs;
}

/** Instant selector: the latest sample within the lookback at each step, found with a moving index. */
function instantSelector(e: VectorSelector, o: RangeEvalOptions): StepStream {
  const steps = o.steps;
  const n = steps.length;
  const data = o.data.get(e) ?? NO_SERIES;
  return {
    labels: data.map((s) => s.labels),
    ordered: true,
    forEach(each) {
      const refs = new Float64Array(n);
      for (let i = 0; i < n; i++) refs[i] = refTime(e.at, steps[i]!, o) - e.offsetMs;
      const values = new Float64Array(n);
      const present = new Uint8Array(n);
      data.forEach((s, index) => {
        o.budget.check();
        const { t, v } = s;
        present.fill(0);
        let next = 0; // first index with t > ref
        for (let i = 0; i < n; i++) {
          const ref = refs[i]!;
          while (next < t.length && t[next]! <= ref) next++;
          const j = next - 1;
          if (j < 0 || t[j]! < ref - o.lookbackMs) continue;
          const value = v[j]!;
          if (isStale(value)) continue;
          values[i] = value;
          present[i] = 1;
          o.touched[i]! += 1;
        }
        each(index, values, present);
      });
    },
  };
}

/** A range function over a matrix selector: the window slides with two indices per series. */
function rangeCall(e: Call, o: RangeEvalOptions): StepStream | undefined {
  const fn = RANGE_FUNCTIONS.get(e.func)!;
  const matrixArg = unwrap(e.args.find((a) => unwrap(a).type === 'matrixSelector')!);
  if (matrixArg.type !== 'matrixSelector') return undefined;
  const scalars = e.args.filter((a) => unwrap(a).type !== 'matrixSelector').map((a) => constantScalar(a)!);
  const sel = matrixArg.selector;
  const data = o.data.get(sel) ?? NO_SERIES;
  const keepName = e.func === 'last_over_time';
  const labels = data.map((s) => (keepName ? s.labels : dropMetricName(s.labels)));
  // Two series with one label set fail the step evaluator wherever both have a point: let it answer.
  if (hasDuplicates(labels)) return undefined;
  return {
    labels,
    ordered: true,
    forEach(each) {
      const rangeMs = matrixArg.rangeMs;
      const steps = o.steps;
      const n = steps.length;
      const ends = new Float64Array(n);
      for (let i = 0; i < n; i++) ends[i] = refTime(sel.at, steps[i]!, o) - sel.offsetMs;
      const largest = new Float64Array(n);
      // rate/increase: a loop of their own (counterRange), the hottest of dashboards.
      const counterFunction = e.func === 'rate' || e.func === 'increase';
      const isRate = e.func === 'rate';
      const window = { endMs: 0, rangeMs };
      const ctx: RangeCallContext = { window, evalTs: 0, scalars };
      const values = new Float64Array(n);
      const present = new Uint8Array(n);
      data.forEach((s, index) => {
        o.budget.check();
        const t = s.rangeT;
        const v = s.rangeV;
        if (counterFunction) {
          counterRange(t, v, ends, rangeMs, o.leftOpenRanges, isRate, largest, values, present);
          each(index, values, present);
          return;
        }
        const current = { labels: s.labels, t, v, lo: 0, hi: 0 };
        present.fill(0);
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < n; i++) {
          const endMs = ends[i]!;
          const startMs = endMs - rangeMs;
          // [start, end] closed (Prometheus 2.x) or (start, end] left-open; both ends only move forward.
          if (o.leftOpenRanges) while (lo < t.length && t[lo]! <= startMs) lo++;
          else while (lo < t.length && t[lo]! < startMs) lo++;
          if (hi < lo) hi = lo;
          while (hi < t.length && t[hi]! <= endMs) hi++;
          if (hi <= lo) continue;
          if (hi - lo > largest[i]!) largest[i] = hi - lo;
          current.lo = lo;
          current.hi = hi;
          window.endMs = endMs;
          (ctx as { evalTs: number }).evalTs = steps[i]!;
          const value = fn(current, ctx);
          if (value === undefined) continue;
          values[i] = value;
          present[i] = 1;
        }
        each(index, values, present);
      });
      for (let i = 0; i < n; i++) o.touched[i]! += largest[i]!;
    },
  };
}

/**
 * rate/increase of one series at every step, into `values`/`present`: extrapolatedRate's arithmetic, in its
 * order, with the window slid by two indices and the reset scan answered by a running count of drops.
 */
function counterRange(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  ends: Float64Array,
  rangeMs: number,
  leftOpen: boolean,
  isRate: boolean,
  largest: Float64Array,
  values: Float64Array,
  present: Uint8Array,
): void {
  const drops = counterDrops(v);
  const length = t.length;
  const rangeSeconds = rangeMs / 1000;
  present.fill(0);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ends.length; i++) {
    const rangeEnd = ends[i]!;
    const rangeStart = rangeEnd - rangeMs;
    if (leftOpen) while (lo < length && t[lo]! <= rangeStart) lo++;
    else while (lo < length && t[lo]! < rangeStart) lo++;
    if (hi < lo) hi = lo;
    while (hi < length && t[hi]! <= rangeEnd) hi++;
    if (hi <= lo) continue;
    if (hi - lo > largest[i]!) largest[i] = hi - lo;
    if (hi - lo < 2) continue;
    const first = v[lo]!;
    let result = v[hi - 1]! - first;
    if (first < 0 || drops[hi - 1] !== drops[lo]) {
      // A reset (or a negative start) in the window: Prometheus's scan, as extrapolatedRate does it.
      let last = 0;
      for (let j = lo; j < hi; j++) {
        const value = v[j]!;
        if (value < last) result += last;
        last = value;
      }
    }
    const tFirst = t[lo]!;
    const tLast = t[hi - 1]!;
    let durationToStart = (tFirst - rangeStart) / 1000;
    const durationToEnd = (rangeEnd - tLast) / 1000;
    const sampledInterval = (tLast - tFirst) / 1000;
    const averageDurationBetweenSamples = sampledInterval / (hi - lo - 1);
    if (result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    let extrapolateToInterval = sampledInterval;
    extrapolateToInterval +=
      durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
    extrapolateToInterval +=
      durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
    let factor = extrapolateToInterval / sampledInterval;
    if (isRate) factor /= rangeSeconds;
    values[i] = result * factor;
    present[i] = 1;
  }
}

let dropsScratch = new Int32Array(0);

/**
 * drops[i]: how many j in 1..i have v[j] < v[j - 1] (NaN never counts, as in the reset scan). The array is
 * a scratch buffer reused for the next series (fresh memory costs more than the scan).
 */
function counterDrops(v: ArrayLike<number>): Int32Array {
  if (dropsScratch.length < v.length) dropsScratch = new Int32Array(v.length);
  const drops = dropsScratch;
  drops[0] = 0;
  let count = 0;
  for (let i = 1; i < v.length; i++) {
    if (v[i]! < v[i - 1]!) count++;
    drops[i] = count;
  }
  return drops;
}
