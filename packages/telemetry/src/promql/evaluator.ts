/**
 * Evaluates an AST at one timestamp, synchronously, over series fetched beforehand. The engine calls it
 * once per step; subquery results are memoised per (node, inner timestamp) so consecutive steps reuse
 * the inner evaluations they share instead of recomputing the whole window.
 */
import { aggregate, type GroupCache } from './aggregations.js';
import type { AggregateExpr, AtModifier, Call, Expr, SubqueryExpr, VectorSelector } from './ast.js';
import { exprType, unwrapParens } from './ast.js';
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './binary.js';
import { PromqlExecutionError } from './errors.js';
import { absentLabels, instantFunction } from './functions.js';
import { dropMetricName, keyOf } from './label-sets.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import { instantIndex, rangeWindow, type SeriesData } from './selectors.js';
import type { RangeSeries, RangeWindow, Sample } from './value.js';

/** Resource accounting the evaluator reports to (the engine enforces limits and the deadline). */
export interface EvalBudget {
  /** Throws when the query ran past its deadline. */
  check(): void;
  /** Records `samples` samples held for the current step; throws past the limit. */
  touch(samples: number): void;
}

/** What an evaluator needs besides the expression. */
export interface EvaluatorOptions {
  /** Fetched series of every selector node. */
  readonly data: ReadonlyMap<VectorSelector, readonly SeriesData[]>;
  /** Query start and end (ms), which `@ start()` and `@ end()` refer to. */
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
  readonly leftOpenRanges: boolean;
  /** Step of subqueries written without one (`x[1h:]`). */
  readonly subqueryStepMs: number;
  readonly budget: EvalBudget;
}

/** A range vector at one step with the window it covers. */
export interface RangeValue {
  readonly series: RangeSeries[];
  readonly window: RangeWindow;
}

const NO_SAMPLES: readonly SeriesData[] = [];

/** Per-query evaluator; see the module comment. */
export class Evaluator {
  readonly #o: EvaluatorOptions;
  readonly #memo = new Map<SubqueryExpr, Map<number, Sample[]>>();
  readonly #groups = new Map<AggregateExpr, GroupCache>();

  constructor(options: EvaluatorOptions) {
    this.#o = options;
  }

  /** An instant-vector expression at `ts`. */
  vector(e: Expr, ts: number): Sample[] {
    this.#o.budget.check();
    switch (e.type) {
      case 'vectorSelector':
        return this.#instant(e, ts);
      case 'paren':
        return this.vector(e.expr, ts);
      case 'unary': {
        const inner = this.vector(e.expr, ts);
        if (e.op === '+') return inner;
        return unique(inner.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value })));
      }
      case 'aggregation': {
        const input = this.vector(e.expr, ts);
        const param = e.param;
        let cache = this.#groups.get(e);
        if (cache === undefined) {
          cache = new WeakMap();
          this.#groups.set(e, cache);
        }
        return aggregate(
          {
            op: e.op,
            grouping: e.grouping,
            without: e.without,
            scalarParam: param !== undefined && e.op !== 'count_values' ? this.scalar(param, ts) : undefined,
            stringParam: param !== undefined && e.op === 'count_values' ? this.string(param) : undefined,
          },
          input,
          cache,
        );
      }
      case 'binary': {
        const lt = exprType(e.lhs);
        const rt = exprType(e.rhs);
        if (lt === 'vector' && rt === 'vector') {
          const lhs = this.vector(e.lhs, ts);
          const rhs = this.vector(e.rhs, ts);
          if (e.op === 'and' || e.op === 'or' || e.op === 'unless')
            return setBinop(e.op, lhs, rhs, e.matching!);
          return unique(vectorBinop(e.op, lhs, rhs, e.matching!, e.returnBool));
        }
        if (lt === 'vector') {
          return unique(
            vectorScalarBinop(e.op, this.vector(e.lhs, ts), this.scalar(e.rhs, ts), false, e.returnBool),
          );
        }
        return unique(
          vectorScalarBinop(e.op, this.vector(e.rhs, ts), this.scalar(e.lhs, ts), true, e.returnBool),
        );
      }
      case 'call':
        return unique(this.#call(e, ts));
      default:
        throw new PromqlExecutionError(`expected instant vector, got ${exprType(e)}`, 'internal');
    }
  }

  /** A scalar expression at `ts`. */
  scalar(e: Expr, ts: number): number {
    switch (e.type) {
      case 'number':
        return e.value;
      case 'paren':
        return this.scalar(e.expr, ts);
      case 'unary':
        return e.op === '-' ? -this.scalar(e.expr, ts) : this.scalar(e.expr, ts);
      case 'binary':
        // Scalar comparisons always carry `bool` (the parser insists), so their 1/0 is the answer.
        return scalarBinop(e.op, this.scalar(e.lhs, ts), this.scalar(e.rhs, ts));
      case 'call': {
        if (e.func === 'time') return ts / 1000;
        if (e.func === 'pi') return Math.PI;
        const v = this.vector(e.args[0]!, ts);
        return v.length === 1 ? v[0]!.value : NaN;
      }
      default:
        throw new PromqlExecutionError(`expected scalar, got ${exprType(e)}`, 'internal');
    }
  }

  /** A string expression. */
  string(e: Expr): string {
    const inner = unwrapParens(e);
    if (inner.type !== 'string') throw new PromqlExecutionError('expected string', 'internal');
    return inner.value;
  }

  /** A range-vector expression (matrix selector or subquery) at `ts`; series with empty windows left out. */
  matrix(e: Expr, ts: number): RangeValue {
    this.#o.budget.check();
    const inner = unwrapParens(e);
    if (inner.type === 'subquery') return this.#subquery(inner, ts);
    if (inner.type !== 'matrixSelector') throw new PromqlExecutionError('expected range vector', 'internal');
    const sel = inner.selector;
    const endMs = this.#refTime(sel.at, ts) - sel.offsetMs;
    const startMs = endMs - inner.rangeMs;
    const series: RangeSeries[] = [];
    for (const s of this.#o.data.get(sel) ?? NO_SAMPLES) {
      const [lo, hi] = rangeWindow(s, startMs, endMs, this.#o.leftOpenRanges);
      if (hi > lo) series.push({ labels: s.labels, t: s.rangeT, v: s.rangeV, lo, hi });
    }
    return { series, window: { endMs, rangeMs: inner.rangeMs } };
  }

  #refTime(at: AtModifier | undefined, ts: number): number {
    if (at === undefined) return ts;
    if (at.kind === 'timestamp') return at.timestampMs;
    return at.kind === 'start' ? this.#o.startMs : this.#o.endMs;
  }

  #instant(e: VectorSelector, ts: number, times?: number[]): Sample[] {
    const ref = this.#refTime(e.at, ts) - e.offsetMs;
    const out: Sample[] = [];
    for (const s of this.#o.data.get(e) ?? NO_SAMPLES) {
      const i = instantIndex(s, ref, this.#o.lookbackMs);
      if (i < 0) continue;
      out.push({ labels: s.labels, value: s.v[i]! });
      times?.push(s.t[i]!);
    }
    this.#o.budget.touch(out.length);
    return out;
  }

  #subquery(e: SubqueryExpr, ts: number): RangeValue {
    const endMs = this.#refTime(e.at, ts) - e.offsetMs;
    const startMs = endMs - e.rangeMs;
    const step = e.stepMs ?? this.#o.subqueryStepMs;
    // Inner steps are aligned to multiples of the step (absolute time), as Prometheus aligns them.
    let first = Math.ceil(startMs / step) * step;
    if (this.#o.leftOpenRanges && first === startMs) first += step;
    let memo = this.#memo.get(e);
    if (memo === undefined) {
      memo = new Map();
      this.#memo.set(e, memo);
    }
    const bySeries = new Map<string, { labels: Sample['labels']; t: number[]; v: number[] }>();
    let points = 0;
    for (let tau = first; tau <= endMs; tau += step) {
      let vec = memo.get(tau);
      if (vec === undefined) {
        vec = this.vector(e.expr, tau);
        memo.set(tau, vec);
      }
      points += vec.length;
      for (const s of vec) {
        const key = keyOf(s.labels);
        let series = bySeries.get(key);
        if (series === undefined) {
          series = { labels: s.labels, t: [], v: [] };
          bySeries.set(key, series);
        }
        series.t.push(tau);
        series.v.push(s.value);
      }
    }
    // Later steps only look further ahead (or at the same @ time): forget inner steps left behind.
    for (const tau of memo.keys()) {
      if (tau >= first) break;
      memo.delete(tau);
    }
    this.#o.budget.touch(points);
    const series = [...bySeries.values()].map((s) => ({
      labels: s.labels,
      t: s.t,
      v: s.v,
      lo: 0,
      hi: s.t.length,
    }));
    return { series, window: { endMs, rangeMs: e.rangeMs } };
  }

  #call(e: Call, ts: number): Sample[] {
    const matrixIndex = e.args.findIndex((a) => exprType(a) === 'matrix');
    if (matrixIndex >= 0) return this.#rangeCall(e, matrixIndex, ts);
    if (e.func === 'timestamp') {
      const arg = unwrapParens(e.args[0]!);
      if (arg.type === 'vectorSelector') {
        const times: number[] = [];
        const v = this.#instant(arg, ts, times);
        return v.map((s, i) => ({ labels: dropMetricName(s.labels), value: times[i]! / 1000 }));
      }
      return this.vector(arg, ts).map((s) => ({ labels: dropMetricName(s.labels), value: ts / 1000 }));
    }
    if (e.func === 'absent') {
      const arg = unwrapParens(e.args[0]!);
      return this.vector(arg, ts).length > 0 ? [] : [{ labels: absentLabels(arg), value: 1 }];
    }
    const scalars: (number | undefined)[] = [];
    const strings: (string | undefined)[] = [];
    let vector: Sample[] = [];
    e.args.forEach((arg, i) => {
      const type = exprType(arg);
      if (type === 'scalar') scalars[i] = this.scalar(arg, ts);
      else if (type === 'string') strings[i] = this.string(arg);
      else vector = this.vector(arg, ts);
    });
    const fn = instantFunction(e.func);
    if (fn === undefined)
      throw new PromqlExecutionError(`function "${e.func}" is not implemented`, 'internal');
    return fn({ vector, scalars, strings, count: e.args.length, ts });
  }

  #rangeCall(e: Call, matrixIndex: number, ts: number): Sample[] {
    const scalars = e.args.filter((_, i) => i !== matrixIndex).map((a) => this.scalar(a, ts));
    const arg = e.args[matrixIndex]!;
    const { series, window } = this.matrix(arg, ts);
    if (e.func === 'absent_over_time') {
      return series.length > 0 ? [] : [{ labels: absentLabels(unwrapParens(arg)), value: 1 }];
    }
    const fn = RANGE_FUNCTIONS.get(e.func);
    if (fn === undefined)
      throw new PromqlExecutionError(`function "${e.func}" is not implemented`, 'internal');
    const keepName = e.func === 'last_over_time';
    const out: Sample[] = [];
    const context = { window, evalTs: ts, scalars };
    let largest = 0;
    for (const s of series) {
      largest = Math.max(largest, s.hi - s.lo);
      const value = fn(s, context);
      if (value !== undefined) out.push({ labels: keepName ? s.labels : dropMetricName(s.labels), value });
    }
    // Prometheus holds one series' window at a time while computing a range function.
    this.#o.budget.touch(largest);
    return out;
  }
}

/** Prometheus refuses a step result holding two samples with the same labels. */
function unique(samples: Sample[]): Sample[] {
  if (samples.length < 2) return samples;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = keyOf(s.labels);
    if (seen.has(key)) throw new PromqlExecutionError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return samples;
}
