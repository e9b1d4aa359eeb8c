/**
 * The whole-range evaluator's aggregations and histogram_quantile (see range-eval.ts): the same arithmetic as
 * `aggregate` and `histogram_quantile`, in the same order per step, over every step at once.
 */
import type { Labels } from '../model/labels.js';
import { histogramQuantile, type CumulativeBucket } from '../model/histogram-quantile.js';
import { aggregationGroup } from './aggregations.js';
import type { AggregateExpr } from './ast.js';
import { histogramBucketOf } from './functions.js';
import {
  hasDuplicates,
  materialize,
  streamOf,
  type StepSeries,
  type StepStream,
  type StreamContext,
} from './step-stream.js';

/** Aggregations the whole-range evaluator computes (the others need per-step parameters or sorting). */
export const RANGE_AGGREGATIONS: ReadonlySet<string> = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
]);

interface GroupState {
  labels: Labels;
  /** Step where the labels were taken (the first step the group is present). */
  labelsStep: number;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  readonly mean: Float64Array;
  readonly count: Float64Array;
}

/**
 * Whether at every step the present groups' first present members come in group order, i.e. the step
 * evaluator's vector (groups in order of first appearance) lists them as `groups` does.
 * `firstMember[g * n + i]` is the first member of group g present at step i, or -1.
 */
function groupsOrdered(firstMember: Int32Array, groups: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    let previous = -1;
    for (let g = 0; g < groups; g++) {
      const first = firstMember[g * n + i]!;
      if (first < 0) continue;
      if (first < previous) return false;
      previous = first;
    }
  }
  return true;
}

/**
 * sum/avg/min/max/count/group/stddev/stdvar of `inner`, accumulated per step in input order like
 * `aggregate`, consuming the input one series at a time.
 */
export function aggregation(
  e: AggregateExpr,
  o: StreamContext,
  inner: StepStream | undefined,
): StepStream | undefined {
  if (inner === undefined || !inner.ordered) return undefined;
  const n = o.steps.length;
  const grouping = [...e.grouping].sort();
  const op = e.op;
  const byKey = new Map<string, number>();
  const groups: GroupState[] = [];
  const memberGroup = new Int32Array(inner.labels.length);
  const memberLabels: Labels[] = [];
  const tracksMean = op === 'avg' || op === 'stddev' || op === 'stdvar';
  const tracksCount = tracksMean || op === 'count';
  inner.labels.forEach((labels, index) => {
    const g = aggregationGroup(labels, grouping, e.without);
    let number = byKey.get(g.key);
    if (number === undefined) {
      number = groups.length;
      groups.push({
        labels: g.labels,
        labelsStep: Infinity,
        values: new Float64Array(n),
        present: new Uint8Array(n),
        mean: tracksMean ? new Float64Array(n) : new Float64Array(0),
        count: tracksCount ? new Float64Array(n) : new Float64Array(0),
      });
      byKey.set(g.key, number);
    }
    memberGroup[index] = number;
    memberLabels.push(g.labels);
  });
  const firstMember = new Int32Array(groups.length > 1 ? groups.length * n : 0).fill(-1);
  inner.forEach((index, sv, sp) => {
    const g = memberGroup[index]!;
    const group = groups[g]!;
    const { values, present, mean, count } = group;
    o.budget.check();
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (sp[i] === 0) continue;
      if (first < 0) first = i;
      const v = sv[i]!;
      if (present[i] === 0) {
        // A new group at this step: aggregate()'s initial values.
        present[i] = 1;
        values[i] = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
        if (tracksMean) mean[i] = v;
        if (tracksCount) count[i] = 1;
        if (firstMember.length > 0) firstMember[g * n + i] = index;
        continue;
      }
      switch (op) {
        case 'sum':
          values[i]! += v;
          break;
        case 'avg': {
          const c = ++count[i]!;
          const m0 = mean[i]!;
          if (!Number.isFinite(m0) && !Number.isNaN(m0)) {
            // An infinite mean only changes for NaN or an infinity of the other sign.
            if (!Number.isFinite(v) && !Number.isNaN(v) && m0 > 0 === v > 0) break;
            if (Number.isFinite(v)) break;
          }
          mean[i] = m0 + (v / c - m0 / c);
          break;
        }
        case 'max':
          if (values[i]! < v || Number.isNaN(values[i]!)) values[i] = v;
          break;
        case 'min':
          if (values[i]! > v || Number.isNaN(values[i]!)) values[i] = v;
          break;
        case 'count':
          count[i]!++;
          break;
        case 'stddev':
        case 'stdvar': {
          const c = ++count[i]!;
          const delta = v - mean[i]!;
          mean[i]! += delta / c;
          values[i]! += delta * (v - mean[i]!);
          break;
        }
        default:
          break;
      }
    }
    // The result keeps the labels of the group's first appearance (its first present member there).
    if (first >= 0 && first < group.labelsStep) {
      group.labelsStep = first;
      group.labels = memberLabels[index]!;
    }
  });
  const out: StepSeries[] = [];
  for (const group of groups) {
    const { values, present, mean, count } = group;
    for (let i = 0; i < n; i++) {
      if (present[i] === 0) continue;
      if (op === 'avg') values[i] = mean[i]!;
      else if (op === 'count') values[i] = count[i]!;
      else if (op === 'stdvar') values[i] = values[i]! / count[i]!;
      else if (op === 'stddev') values[i] = Math.sqrt(values[i]! / count[i]!);
    }
    out.push({ labels: group.labels, values, present });
  }
  return streamOf(out, groups.length < 2 || groupsOrdered(firstMember, groups.length, n));
}

/** histogram_quantile with a literal quantile `q`: buckets grouped once, quantiles computed per step. */
export function histogramQuantileRange(
  q: number,
  o: StreamContext,
  innerStream: StepStream | undefined,
): StepStream | undefined {
  if (innerStream === undefined || !innerStream.ordered) return undefined;
  const inner = materialize(innerStream);
  const n = o.steps.length;
  const byKey = new Map<string, { labels: Labels; labelsStep: number; members: number[] }>();
  const groups: { labels: Labels; labelsStep: number; members: number[] }[] = [];
  const les: number[] = [];
  inner.forEach((s, index) => {
    const bucket = histogramBucketOf(s.labels);
    les.push(bucket?.le ?? NaN);
    if (bucket === undefined) return;
    let group = byKey.get(bucket.key);
    if (group === undefined) {
      group = { labels: bucket.labels, labelsStep: Infinity, members: [] };
      byKey.set(bucket.key, group);
      groups.push(group);
    }
    group.members.push(index);
    const first = s.present.indexOf(1);
    if (first >= 0 && first < group.labelsStep) {
      group.labelsStep = first;
      group.labels = bucket.labels;
    }
  });
  const firstMember = new Int32Array(groups.length * n).fill(-1);
  const out: StepSeries[] = [];
  groups.forEach((group, g) => {
    o.budget.check();
    const values = new Float64Array(n);
    const present = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const buckets: CumulativeBucket[] = [];
      for (const m of group.members) {
        const s = inner[m]!;
        if (s.present[i] === 0) continue;
        if (buckets.length === 0) firstMember[g * n + i] = m;
        buckets.push({ le: les[m]!, count: s.values[i]! });
      }
      if (buckets.length === 0) continue;
      values[i] = histogramQuantile(q, buckets);
      present[i] = 1;
    }
    out.push({ labels: group.labels, values, present });
  });
  // Two histograms differing only in their metric name give one label set: the step evaluator fails.
  if (hasDuplicates(out.map((s) => s.labels))) return undefined;
  return streamOf(out, groupsOrdered(firstMember, groups.length, n));
}
