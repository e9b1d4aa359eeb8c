/**
 * Instant-vector functions (`promql/functions.go` of Prometheus 2.42) on already-evaluated arguments.
 * Functions over range vectors live in range-functions.ts; the evaluator dispatches between them.
 */
import type { Labels } from '../model/labels.js';
import { histogramQuantile, type CumulativeBucket } from '../model/histogram-quantile.js';
import type { Expr } from './ast.js';
import { PromqlExecutionError } from './errors.js';
import { expandTemplate, goRegex, isValidLabelName, parseGoFloat } from './go-compat.js';
import { dropMetricName, keyOf, pickLabels, sortedLabels, withLabel } from './label-sets.js';
import type { Sample } from './value.js';

/** Evaluated arguments of an instant-vector function call. */
export interface InstantCallArgs {
  /** The first argument when it is an instant vector. */
  readonly vector: readonly Sample[];
  /** Scalar arguments by position (undefined for non-scalar positions). */
  readonly scalars: readonly (number | undefined)[];
  /** String arguments by position. */
  readonly strings: readonly (string | undefined)[];
  /** Number of arguments given. */
  readonly count: number;
  /** Evaluation time in ms. */
  readonly ts: number;
}

type InstantFunction = (a: InstantCallArgs) => Sample[];

function simple(f: (v: number) => number): InstantFunction {
  return (a) => a.vector.map((s) => ({ labels: dropMetricName(s.labels), value: f(s.value) }));
}

/** A UTC date from Unix seconds truncated like Go's `int64(v)`; NaN results for non-finite input. */
function dateFunction(f: (d: Date) => number): InstantFunction {
  return (a) => {
    if (a.count === 0) return [{ labels: {}, value: f(new Date(Math.trunc(a.ts / 1000) * 1000)) }];
    return a.vector.map((s) => ({
      labels: dropMetricName(s.labels),
      value: Number.isFinite(s.value) ? f(new Date(Math.trunc(s.value) * 1000)) : NaN,
    }));
  };
}

/** ms of a UTC calendar day; unlike Date.UTC, years 0–99 are not taken as 1900–1999. */
function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

function dayOfYear(d: Date): number {
  return (
    (utcDay(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - utcDay(d.getUTCFullYear(), 0, 1)) /
      86_400_000 +
    1
  );
}

function sortByValue(a: InstantCallArgs, descending: boolean): Sample[] {
  // NaN always sorts last; ties keep their order.
  return [...a.vector].sort((x, y) => {
    if (Number.isNaN(x.value)) return Number.isNaN(y.value) ? 0 : 1;
    if (Number.isNaN(y.value)) return -1;
    if (x.value === y.value) return 0;
    return x.value < y.value !== descending ? -1 : 1;
  });
}

/**
 * The histogram a bucket series belongs to in `histogram_quantile`: group key, output labels and its `le`;
 * undefined when `le` is missing or malformed (not a bucket, skipped like Prometheus does).
 */
export function histogramBucketOf(labels: Labels): { key: string; labels: Labels; le: number } | undefined {
  const le = parseGoFloat(labels['le'] ?? '');
  if (le === undefined) return undefined;
  const withoutLe = pickLabels(labels, ['le'], false);
  // The metric name is part of the group key so two histograms never merge (Prometheus #9910).
  const key = `${keyOf(dropMetricName(withoutLe))}${labels['__name__'] ?? ''}`;
  return { key, labels: dropMetricName(withoutLe), le };
}

function histogramQuantileFunction(a: InstantCallArgs): Sample[] {
  const q = a.scalars[0]!;
  const groups = new Map<string, { labels: Labels; buckets: CumulativeBucket[] }>();
  for (const s of a.vector) {
    const bucket = histogramBucketOf(s.labels);
    if (bucket === undefined) continue;
    let group = groups.get(bucket.key);
    if (group === undefined) {
      group = { labels: bucket.labels, buckets: [] };
      groups.set(bucket.key, group);
    }
    group.buckets.push({ le: bucket.le, count: s.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: histogramQuantile(q, g.buckets) }));
}

function labelReplace(a: InstantCallArgs): Sample[] {
  const [, dst, replacement, src, regexText] = a.strings as string[];
  let regex: RegExp;
  try {
    regex = goRegex(regexText!);
  } catch {
    throw new PromqlExecutionError(`invalid regular expression in label_replace(): ${regexText}`);
  }
  if (!isValidLabelName(dst!))
    throw new PromqlExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  const cache = new Map<string, Labels>();
  return a.vector.map((s) => {
    const key = keyOf(s.labels);
    let labels = cache.get(key);
    if (labels === undefined) {
      const match = regex.exec(s.labels[src!] ?? '');
      labels = match === null ? s.labels : withLabel(s.labels, dst!, expandTemplate(replacement!, match));
      cache.set(key, labels);
    }
    return { labels, value: s.value };
  });
}

function labelJoin(a: InstantCallArgs): Sample[] {
  const [, dst, separator] = a.strings as string[];
  const sources = a.strings.slice(3) as string[];
  for (const src of sources) {
    if (!isValidLabelName(src))
      throw new PromqlExecutionError(`invalid source label name in label_join(): ${src}`);
  }
  if (!isValidLabelName(dst!))
    throw new PromqlExecutionError(`invalid destination label name in label_join(): ${dst}`);
  return a.vector.map((s) => ({
    labels: withLabel(s.labels, dst!, sources.map((name) => s.labels[name] ?? '').join(separator)),
    value: s.value,
  }));
}

/** The labels `absent(...)` reports: equality matchers of a plain selector argument, except the name. */
export function absentLabels(arg: Expr): Labels {
  const selector =
    arg.type === 'vectorSelector' ? arg : arg.type === 'matrixSelector' ? arg.selector : undefined;
  if (selector === undefined) return {};
  const out: Record<string, string> = {};
  const ambiguous = new Set<string>();
  for (const m of selector.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !(m.name in out)) out[m.name] = m.value;
    else ambiguous.add(m.name);
  }
  for (const name of ambiguous) delete out[name];
  return sortedLabels(out);
}

const INSTANT_FUNCTIONS = new Map<string, InstantFunction>([
  ['abs', simple(Math.abs)],
  ['ceil', simple(Math.ceil)],
  ['floor', simple(Math.floor)],
  ['exp', simple(Math.exp)],
  ['sqrt', simple(Math.sqrt)],
  ['ln', simple(Math.log)],
  ['log2', simple(Math.log2)],
  ['log10', simple(Math.log10)],
  ['sin', simple(Math.sin)],
  ['cos', simple(Math.cos)],
  ['tan', simple(Math.tan)],
  ['asin', simple(Math.asin)],
  ['acos', simple(Math.acos)],
  ['atan', simple(Math.atan)],
  ['sinh', simple(Math.sinh)],
  ['cosh', simple(Math.cosh)],
  ['tanh', simple(Math.tanh)],
  ['asinh', simple(Math.asinh)],
  ['acosh', simple(Math.acosh)],
  ['atanh', simple(Math.atanh)],
  ['rad', simple((v) => (v * Math.PI) / 180)],
  ['deg', simple((v) => (v * 180) / Math.PI)],
  ['sgn', simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v))],
  [
    'round',
    (a) => {
      const toNearestInverse = 1 / (a.count >= 2 ? a.scalars[1]! : 1);
      return simple((v) => Math.floor(v * toNearestInverse + 0.5) / toNearestInverse)(a);
    },
  ],
  [
    'clamp',
    (a) => {
      const [, min, max] = a.scalars as number[];
      return max! < min! ? [] : simple((v) => Math.max(min!, Math.min(max!, v)))(a);
    },
  ],
  ['clamp_max', (a) => simple((v) => Math.min(a.scalars[1]!, v))(a)],
  ['clamp_min', (a) => simple((v) => Math.max(a.scalars[1]!, v))(a)],
  ['vector', (a) => [{ labels: {}, value: a.scalars[0]! }]],
  ['sort', (a) => sortByValue(a, false)],
  ['sort_desc', (a) => sortByValue(a, true)],
  ['histogram_quantile', histogramQuantileFunction],
  // Native histograms do not exist in this engine: these functions see no histogram samples.
  ['histogram_count', () => []],
  ['histogram_sum', () => []],
  ['histogram_fraction', () => []],
  ['label_replace', labelReplace],
  ['label_join', labelJoin],
  ['minute', dateFunction((d) => d.getUTCMinutes())],
  ['hour', dateFunction((d) => d.getUTCHours())],
  ['day_of_week', dateFunction((d) => d.getUTCDay())],
  ['day_of_month', dateFunction((d) => d.getUTCDate())],
  ['day_of_year', dateFunction(dayOfYear)],
  ['month', dateFunction((d) => d.getUTCMonth() + 1)],
  ['year', dateFunction((d) => d.getUTCFullYear())],
  [
    'days_in_month',
    dateFunction((d) => new Date(utcDay(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  ],
]);

/** Applies an instant-vector function by name; undefined when `name` is not one. */
export function instantFunction(name: string): InstantFunction | undefined {
  return INSTANT_FUNCTIONS.get(name);
}
