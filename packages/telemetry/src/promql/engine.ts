/**
 * The PromQL engine: parse, fetch every selector's samples once, then evaluate step by step with
 * Prometheus 2.42 semantics. Results use Prometheus's four result types (see result.ts).
 */
import type { SeriesQuerier } from '../model/series-store.js';
import { documentedType, exprType, type Expr, type VectorSelector } from './ast.js';
import { PromqlExecutionError } from './errors.js';
import { Evaluator, type EvalBudget } from './evaluator.js';
import { compareLabels, keyOf } from './label-sets.js';
import { parsePromql } from './parse.js';
import { fetchSelectors, selectorRanges } from './prefetch.js';
import { evaluateRange, rangeEvaluable } from './range-eval.js';
import type { SeriesData } from './selectors.js';
import type { MatrixResultSeries, QueryResult } from './result.js';

/** Options of {@link createPromqlEngine}. */
export interface PromqlEngineOptions {
  /** Where samples come from (the TSDB, or a {@link MemoryQuerier} in tests). */
  readonly querier: SeriesQuerier;
  /** How far back an instant selector looks for a sample; default 5 minutes. */
  readonly lookbackDeltaMs?: number;
  /** Samples one query may hold at once; default 50 000 000 (Prometheus's `--query.max-samples`). */
  readonly maxSamples?: number;
  /** Per-query time limit; default 2 minutes. */
  readonly timeoutMs?: number;
  /** Range selectors take `(t - range, t]` like Prometheus 3 instead of 2.x's closed `[t - range, t]`. */
  readonly leftOpenRanges?: boolean;
  /** Step of subqueries written without one (`x[1h:]`); default 1 minute (Prometheus's evaluation_interval). */
  readonly noStepSubqueryIntervalMs?: number;
  /** Clock for timeouts (ms); default `Date.now`. */
  readonly now?: () => number;
  /**
   * Evaluate range queries step by step even where the whole-range evaluator (range-eval.ts) applies; the
   * answers are the same, only slower. Default false; tests compare the two.
   */
  readonly stepwiseOnly?: boolean;
}

/** Per-query options. */
export interface QueryOptions {
  /** Tighter time limit for this query (the engine's own limit still applies). */
  readonly timeoutMs?: number;
}

/** Evaluates PromQL. Errors are `PromqlError`s (parse or execution) carrying Prometheus's `errorType`. */
export interface PromqlEngine {
  /** Evaluates `query` at `timeMs`. */
  instantQuery(query: string, timeMs: number, options?: QueryOptions): Promise<QueryResult>;
  /** Evaluates `query` at `startMs`, `startMs + stepMs`, … up to `endMs`; the result is a matrix. */
  rangeQuery(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    options?: QueryOptions,
  ): Promise<QueryResult>;
}

/** Creates a PromQL engine over a {@link SeriesQuerier}. */
export function createPromqlEngine(options: PromqlEngineOptions): PromqlEngine {
  const settings = {
    querier: options.querier,
    lookbackMs: options.lookbackDeltaMs ?? 5 * 60_000,
    maxSamples: options.maxSamples ?? 50_000_000,
    timeoutMs: options.timeoutMs ?? 2 * 60_000,
    leftOpenRanges: options.leftOpenRanges ?? false,
    subqueryStepMs: options.noStepSubqueryIntervalMs ?? 60_000,
    now: options.now ?? Date.now,
    stepwiseOnly: options.stepwiseOnly ?? false,
  };
  return {
    instantQuery: async (query, timeMs, opts) => run(settings, parsePromql(query), timeMs, timeMs, 0, opts),
    rangeQuery: async (query, startMs, endMs, stepMs, opts) => {
      const expr = parsePromql(query);
      const type = exprType(expr);
      if (type !== 'vector' && type !== 'scalar') {
        throw new PromqlExecutionError(
          `invalid expression type "${documentedType(type)}" for range query, must be Scalar or instant Vector`,
          'bad_data',
        );
      }
      if (!(stepMs > 0)) {
        throw new PromqlExecutionError(
          'zero or negative query resolution step widths are not accepted. Try a positive integer',
          'bad_data',
        );
      }
      if (endMs < startMs)
        throw new PromqlExecutionError('end timestamp must not be before start time', 'bad_data');
      return run(settings, expr, startMs, endMs, stepMs, opts);
    },
  };
}

type Settings = Required<Omit<PromqlEngineOptions, 'lookbackDeltaMs' | 'noStepSubqueryIntervalMs'>> & {
  readonly lookbackMs: number;
  readonly subqueryStepMs: number;
};

/** Deadline and sample accounting of one query. */
class Budget implements EvalBudget {
  #step = 0;
  #held = 0;
  readonly #now: () => number;
  readonly #deadline: number;
  readonly #max: number;

  constructor(now: () => number, deadline: number, max: number) {
    this.#now = now;
    this.#deadline = deadline;
    this.#max = max;
  }

  check(): void {
    if (this.#now() > this.#deadline) {
      throw new PromqlExecutionError('query timed out in expression evaluation', 'timeout');
    }
  }

  touch(samples: number): void {
    this.#step += samples;
    if (this.#step + this.#held > this.#max) {
      throw new PromqlExecutionError(
        'query processing would load too many samples into memory in query execution',
      );
    }
  }

  /** Ends a step whose result keeps `kept` samples in memory. */
  endStep(kept: number): void {
    this.#step = 0;
    this.touch(kept);
    this.#held += kept;
    this.#step = 0;
  }
}

async function run(
  s: Settings,
  expr: Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  opts: QueryOptions | undefined,
): Promise<QueryResult> {
  const timeout = Math.min(s.timeoutMs, opts?.timeoutMs ?? Infinity);
  const budget = new Budget(s.now, s.now() + timeout, s.maxSamples);
  const ranges = selectorRanges(expr, { startMs, endMs, lookbackMs: s.lookbackMs });
  const data = await fetchSelectors(s.querier, ranges);
  budget.check();
  const ev = new Evaluator({
    data,
    startMs,
    endMs,
    lookbackMs: s.lookbackMs,
    leftOpenRanges: s.leftOpenRanges,
    subqueryStepMs: s.subqueryStepMs,
    budget,
  });
  const type = exprType(expr);
  if (stepMs === 0) {
    switch (type) {
      case 'scalar':
        return { resultType: 'scalar', result: { timestampMs: startMs, value: ev.scalar(expr, startMs) } };
      case 'string':
        return { resultType: 'string', result: { timestampMs: startMs, value: ev.string(expr) } };
      case 'vector': {
        const result = ev
          .vector(expr, startMs)
          .map((x) => ({ metric: x.labels, timestampMs: startMs, value: x.value }));
        return { resultType: 'vector', result };
      }
      case 'matrix': {
        const result = ev.matrix(expr, startMs).series.map((x) => ({
          metric: x.labels,
          timestampsMs: Array.from({ length: x.hi - x.lo }, (_, i) => x.t[x.lo + i]!),
          values: Array.from({ length: x.hi - x.lo }, (_, i) => x.v[x.lo + i]!),
        }));
        return { resultType: 'matrix', result };
      }
    }
  }
  if (type === 'vector' && !s.stepwiseOnly && rangeEvaluable(expr)) {
    const result = wholeRange(expr, budget, { data, startMs, endMs, stepMs, settings: s });
    if (result !== undefined) return result;
  }
  const series = new Map<string, MatrixResultSeries>();
  const push = (metric: MatrixResultSeries['metric'], ts: number, value: number): void => {
    const key = keyOf(metric);
    let out = series.get(key);
    if (out === undefined) {
      out = { metric, timestampsMs: [], values: [] };
      series.set(key, out);
    }
    out.timestampsMs.push(ts);
    out.values.push(value);
  };
  let lastYield = s.now();
  for (let ts = startMs; ts <= endMs; ts += stepMs) {
    if (type === 'scalar') {
      push({}, ts, ev.scalar(expr, ts));
      budget.endStep(1);
    } else {
      const vector = ev.vector(expr, ts);
      for (const x of vector) push(x.labels, ts, x.value);
      budget.endStep(vector.length);
    }
    // Long range queries give the event loop a turn now and then.
    if (s.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = s.now();
    }
  }
  const result = [...series.values()].sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: 'matrix', result };
}

/** Inputs of {@link wholeRange}. */
interface WholeRangeInput {
  readonly data: ReadonlyMap<VectorSelector, readonly SeriesData[]>;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  readonly settings: Settings;
}

/**
 * A range query evaluated over every step at once (range-eval.ts), with the step loop's sample accounting
 * replayed step by step so limits fail exactly where they would; undefined when the step loop must run.
 */
function wholeRange(expr: Expr, budget: Budget, input: WholeRangeInput): QueryResult | undefined {
  const times: number[] = [];
  // The same repeated addition as the step loop, so fractional steps give the same timestamps.
  for (let ts = input.startMs; ts <= input.endMs; ts += input.stepMs) times.push(ts);
  const steps = Float64Array.from(times);
  const touched = new Float64Array(steps.length);
  const output = evaluateRange(expr, {
    data: input.data,
    steps,
    startMs: input.startMs,
    endMs: input.endMs,
    lookbackMs: input.settings.lookbackMs,
    leftOpenRanges: input.settings.leftOpenRanges,
    budget,
    touched,
  });
  if (output === undefined) return undefined;
  const kept = new Float64Array(steps.length);
  for (const s of output) for (let i = 0; i < steps.length; i++) kept[i]! += s.present[i]!;
  for (let i = 0; i < steps.length; i++) {
    budget.touch(touched[i]!);
    budget.endStep(kept[i]!);
  }
  const result: MatrixResultSeries[] = [];
  for (const s of output) {
    const timestampsMs: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < steps.length; i++) {
      if (s.present[i] === 0) continue;
      timestampsMs.push(steps[i]!);
      values.push(s.values[i]!);
    }
    if (values.length > 0) result.push({ metric: s.labels, timestampsMs, values });
  }
  result.sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: 'matrix', result };
}
