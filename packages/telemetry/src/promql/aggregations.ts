/**
 * Aggregation operators over one step's instant vector, as Prometheus 2.42's `evaluator.aggregation`:
 * groups in order of first appearance, the same running formulas (incremental mean, Welford variance),
 * and topk/bottomk on Go's `container/heap` so ties pick the same series.
 */
import { METRIC_NAME_LABEL, type Labels } from '../model/labels.js';
import type { AggregationOp } from './ast.js';
import { PromqlExecutionError } from './errors.js';
import { formatFloatF, isValidLabelName } from './go-compat.js';
import { quantileOf } from './kahan.js';
import { keyOf, pickLabels, withLabel } from './label-sets.js';
import type { Sample } from './value.js';

/** The aggregation to run. */
export interface AggregationSpec {
  readonly op: AggregationOp;
  /** Grouping labels (sorted by the caller is not required). */
  readonly grouping: readonly string[];
  readonly without: boolean;
  /** k of topk/bottomk, q of quantile. */
  readonly scalarParam?: number;
  /** Label of count_values. */
  readonly stringParam?: string;
}

/**
 * Group key and output labels per input label set, for one aggregation node: label-set objects are stable
 * across steps (selectors and dropMetricName reuse them), so each is grouped once per query.
 */
export type GroupCache = WeakMap<Labels, { readonly key: string; readonly labels: Labels }>;

interface Group {
  readonly labels: Labels;
  value: number;
  mean: number;
  count: number;
  heap: Sample[];
  values: number[];
}

function groupKey(labels: Labels, grouping: readonly string[], without: boolean): string {
  if (without) return keyOf(pickLabels(labels, [...grouping, METRIC_NAME_LABEL], false));
  if (grouping.length === 0) return '';
  let key = '';
  for (const name of grouping) key += `${JSON.stringify(labels[name] ?? '')},`;
  return key;
}

/**
 * The group of a label set: its key and the output labels (`grouping` sorted, as {@link aggregate} sorts it).
 */
export function aggregationGroup(
  labels: Labels,
  grouping: readonly string[],
  without: boolean,
): { key: string; labels: Labels } {
  return {
    key: groupKey(labels, grouping, without),
    labels: without
      ? pickLabels(labels, [...grouping, METRIC_NAME_LABEL], false)
      : grouping.length > 0
        ? pickLabels(labels, grouping, true)
        : {},
  };
}

/** Aggregates `input` (one step of an instant vector); `cache` memoises grouping across steps. */
export function aggregate(spec: AggregationSpec, input: readonly Sample[], cache?: GroupCache): Sample[] {
  const { op, without } = spec;
  let grouping = [...spec.grouping].sort();
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    const f = spec.scalarParam!;
    // Go's convertibleToInt64 compares with float64(MaxInt64) = 2^63.
    if (!(f <= 2 ** 63 && f >= -(2 ** 63))) {
      throw new PromqlExecutionError(`Scalar value ${formatFloatF(f)} overflows int64`);
    }
    k = Math.trunc(f);
    if (k < 1) return [];
  }
  const valueLabel = spec.stringParam ?? '';
  if (op === 'count_values') {
    if (!isValidLabelName(valueLabel)) throw new PromqlExecutionError(`invalid label name "${valueLabel}"`);
    if (!without) grouping = [...grouping, valueLabel].sort();
  }
  const groupOf = (sample: Sample, memo: GroupCache | undefined): { key: string; labels: Labels } => {
    // count_values adds a label per value, so its label sets are new every time: nothing to memoise.
    if (op === 'count_values')
      return groupFor(withLabel(sample.labels, valueLabel, formatFloatF(sample.value)));
    let found = memo?.get(sample.labels);
    if (found === undefined) {
      found = groupFor(sample.labels);
      memo?.set(sample.labels, found);
    }
    return found;
  };
  const groupFor = (labels: Labels): { key: string; labels: Labels } =>
    aggregationGroup(labels, grouping, without);
  const groups = new Map<string, Group>();
  for (const sample of input) {
    const grouped = groupOf(sample, cache);
    const group = groups.get(grouped.key);
    if (group === undefined) {
      groups.set(grouped.key, {
        labels: grouped.labels,
        value: op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : sample.value,
        mean: sample.value,
        count: 1,
        heap: [sample],
        values: op === 'quantile' ? [sample.value] : [],
      });
      continue;
    }
    accumulate(op, group, sample, k);
  }
  const out: Sample[] = [];
  for (const group of groups.values()) {
    switch (op) {
      case 'avg':
        out.push({ labels: group.labels, value: group.mean });
        break;
      case 'count':
      case 'count_values':
        out.push({ labels: group.labels, value: group.count });
        break;
      case 'stdvar':
        out.push({ labels: group.labels, value: group.value / group.count });
        break;
      case 'stddev':
        out.push({ labels: group.labels, value: Math.sqrt(group.value / group.count) });
        break;
      case 'topk':
      case 'bottomk':
        // The heap keeps the weakest element on top; sort the best first.
        out.push(...insertionSortReverse(group.heap, op === 'topk' ? topkLess : bottomkLess));
        break;
      case 'quantile':
        out.push({ labels: group.labels, value: quantileOf(spec.scalarParam!, group.values) });
        break;
      default:
        out.push({ labels: group.labels, value: group.value });
    }
  }
  return out;
}

function accumulate(op: AggregationOp, group: Group, sample: Sample, k: number): void {
  const v = sample.value;
  switch (op) {
    case 'sum':
      group.value += v;
      break;
    case 'avg': {
      group.count++;
      const mean = group.mean;
      if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
        // An infinite mean only changes for NaN or an infinity of the other sign.
        if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) break;
        if (Number.isFinite(v)) break;
      }
      group.mean += v / group.count - mean / group.count;
      break;
    }
    case 'max':
      if (group.value < v || Number.isNaN(group.value)) group.value = v;
      break;
    case 'min':
      if (group.value > v || Number.isNaN(group.value)) group.value = v;
      break;
    case 'count':
    case 'count_values':
      group.count++;
      break;
    case 'stddev':
    case 'stdvar': {
      group.count++;
      const delta = v - group.mean;
      group.mean += delta / group.count;
      group.value += delta * (v - group.mean);
      break;
    }
    case 'topk':
    case 'bottomk': {
      const less = op === 'topk' ? topkLess : bottomkLess;
      const heap = group.heap;
      const top = heap[0]!;
      const better = op === 'topk' ? top.value < v : top.value > v;
      if (heap.length < k || better || Number.isNaN(top.value)) {
        if (heap.length === k) {
          if (heap.length === 1) {
            heap[0] = sample;
            break;
          }
          heapPop(heap, less);
        }
        heapPush(heap, sample, less);
      }
      break;
    }
    case 'quantile':
      group.values.push(v);
      break;
    case 'group':
      break;
  }
}

type Less = (a: Sample, b: Sample) => boolean;

/** Min-heap order of topk (Prometheus's vectorByValueHeap): NaN counts as smallest. */
const topkLess: Less = (a, b) => Number.isNaN(a.value) || a.value < b.value;
/** Max-heap order of bottomk (vectorByReverseValueHeap): NaN counts as largest. */
const bottomkLess: Less = (a, b) => Number.isNaN(a.value) || a.value > b.value;

function heapPush(h: Sample[], x: Sample, less: Less): void {
  h.push(x);
  let j = h.length - 1;
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    j = i;
  }
}

function heapPop(h: Sample[], less: Less): void {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n]!, h[0]!];
  let i = 0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    i = j;
  }
  h.pop();
}

/** `sort.Sort(sort.Reverse(heap))`; Go uses insertion sort for up to 12 elements, which this mirrors. */
function insertionSortReverse(input: readonly Sample[], less: Less): Sample[] {
  const a = [...input];
  if (a.length > 12) return a.sort((x, y) => (less(y, x) ? -1 : less(x, y) ? 1 : 0));
  const reversedLess = (i: number, j: number): boolean => less(a[j]!, a[i]!);
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0 && reversedLess(j, j - 1); j--) [a[j], a[j - 1]] = [a[j - 1]!, a[j]!];
  }
  return a;
}
