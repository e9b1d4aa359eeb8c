/**
 * Series of the whole-range evaluator (range-eval.ts) as they flow between nodes: one series at a time over
 * every step, into reused buffers.
 */
import type { Labels } from '../model/labels.js';
import type { EvalBudget } from './evaluator.js';
import { keyOf } from './label-sets.js';

/** One output series of a node over every step; `values[i]` is meaningful where `present[i]` is 1. */
export interface StepSeries {
  readonly labels: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/**
 * A node's output over every step, produced series by series: consumers that only accumulate (aggregations)
 * never hold more than one input series, and nothing allocates per input series.
 */
export interface StepStream {
  /** Output labels of every candidate series, in order (some may turn out to have no point at all). */
  readonly labels: readonly Labels[];
  /**
   * Whether every step's vector lists the present series in `labels` order, as the step evaluator's vector
   * would: aggregation groups appear in order of their first present member, which can differ by step.
   */
  readonly ordered: boolean;
  /**
   * Calls `each` for every series in order with its values and presence per step. The arrays are reused
   * between calls: copy what you keep. Call once (sample accounting happens while it runs).
   */
  forEach(each: (index: number, values: Float64Array, present: Uint8Array) => void): void;
}

/** Copies a stream's series that have a point. */
export function materialize(stream: StepStream): StepSeries[] {
  const out: StepSeries[] = [];
  stream.forEach((index, values, present) => {
    if (present.includes(1))
      out.push({ labels: stream.labels[index]!, values: values.slice(), present: present.slice() });
  });
  return out;
}

/** Whether two label sets are equal: the step evaluator fails at a step where both have a point. */
export function hasDuplicates(labels: readonly Labels[]): boolean {
  const seen = new Set<string>();
  for (const l of labels) {
    const key = keyOf(l);
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** What nodes besides selectors need of the evaluation. */
export interface StreamContext {
  /** Evaluation timestamps. */
  readonly steps: ArrayLike<number>;
  /** Deadline checks. */
  readonly budget: EvalBudget;
}

/** A stream over series already computed. */
export function streamOf(series: readonly StepSeries[], ordered: boolean): StepStream {
  return {
    labels: series.map((s) => s.labels),
    ordered,
    forEach(each) {
      series.forEach((s, index) => each(index, s.values, s.present));
    },
  };
}
