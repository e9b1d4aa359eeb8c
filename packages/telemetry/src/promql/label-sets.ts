/**
 * Label-set helpers the evaluator uses on every step: cached keys, dropping the metric name, matching
 * signatures for binary operators and grouping keys for aggregations, and Prometheus's ordering.
 */
import { METRIC_NAME_LABEL, labelsKey, type Labels } from '../model/labels.js';

const keyCache = new WeakMap<Labels, string>();

/** {@link labelsKey}, memoised per label-set object (label sets are never mutated). */
export function keyOf(labels: Labels): string {
  let key = keyCache.get(labels);
  if (key === undefined) {
    key = labelsKey(labels);
    keyCache.set(labels, key);
  }
  return key;
}

const noNameCache = new WeakMap<Labels, Labels>();

/** The label set without `__name__` (the same object when it has none), memoised. */
export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME_LABEL in labels)) return labels;
  let out = noNameCache.get(labels);
  if (out === undefined) {
    const copy: Record<string, string> = {};
    for (const name of Object.keys(labels)) if (name !== METRIC_NAME_LABEL) copy[name] = labels[name]!;
    out = copy;
    noNameCache.set(labels, out);
  }
  return out;
}

/** A copy with `name` set to `value`, or removed when `value` is empty; keys stay sorted. */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const copy: Record<string, string> = { ...labels };
  if (value === '') delete copy[name];
  else copy[name] = value;
  return sortedLabels(copy);
}

/** Only the listed labels (`keep`) or all but the listed labels (`!keep`). */
export function pickLabels(labels: Labels, names: readonly string[], keep: boolean): Labels {
  const set = new Set(names);
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels)) if (set.has(name) === keep) out[name] = labels[name]!;
  return out;
}

/** A label set with its keys in sorted order (what the API prints and keys rely on). */
export function sortedLabels(labels: Record<string, string>): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) if (labels[name] !== '') out[name] = labels[name]!;
  return out;
}

/**
 * The matching key of a sample in a vector-vector operation (Prometheus's `signatureFunc`): the `on`
 * labels only, or every label but the `ignoring` ones and the metric name.
 */
export function matchSignature(labels: Labels, on: boolean, names: readonly string[]): string {
  if (on) {
    let key = '';
    for (const name of [...names].sort()) key += `${JSON.stringify(labels[name] ?? '')},`;
    return key;
  }
  if (names.length === 0) return keyOf(dropMetricName(labels));
  return keyOf(pickLabels(labels, [METRIC_NAME_LABEL, ...names], false));
}

/** Prometheus's `labels.Compare` over sorted label pairs: name, then value, then length. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i]!;
    const y = bn[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x]!;
    const yv = b[y]!;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}
