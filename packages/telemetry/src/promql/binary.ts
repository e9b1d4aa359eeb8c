/**
 * Binary operators on one step's values, as Prometheus 2.42's engine: scalar/scalar, vector/scalar and
 * vector/vector with one-to-one, many-to-one and one-to-many matching, set operators, and the same
 * errors for ambiguous matches.
 */
import { METRIC_NAME_LABEL, type Labels } from '../model/labels.js';
import type { BinaryOp, VectorMatching } from './ast.js';
import { PromqlExecutionError } from './errors.js';
import { goPow } from './go-compat.js';
import { dropMetricName, keyOf, matchSignature, pickLabels, sortedLabels } from './label-sets.js';
import type { Sample } from './value.js';

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

/** Whether `op` compares (and so filters unless `bool` is given). */
export function isComparison(op: BinaryOp): boolean {
  return COMPARISONS.has(op);
}

/** Arithmetic drops the metric name; comparisons and atan2 keep it (Prometheus's shouldDropMetricName). */
function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

/** The arithmetic result, or for comparisons whether the pair passes (1/0). */
export function scalarBinop(op: BinaryOp, lhs: number, rhs: number): number {
  switch (op) {
    case '+':
      return lhs + rhs;
    case '-':
      return lhs - rhs;
    case '*':
      return lhs * rhs;
    case '/':
      return lhs / rhs;
    case '%':
      return lhs % rhs;
    case '^':
      return goPow(lhs, rhs);
    case 'atan2':
      return Math.atan2(lhs, rhs);
    case '==':
      return lhs === rhs ? 1 : 0;
    case '!=':
      return lhs !== rhs ? 1 : 0;
    case '>':
      return lhs > rhs ? 1 : 0;
    case '<':
      return lhs < rhs ? 1 : 0;
    case '>=':
      return lhs >= rhs ? 1 : 0;
    case '<=':
      return lhs <= rhs ? 1 : 0;
    default:
      throw new PromqlExecutionError(`operator "${op}" not allowed for scalar operations`);
  }
}

/** Vector-element semantics: [value, keep] (comparisons keep the left value when true). */
function elementBinop(op: BinaryOp, lhs: number, rhs: number): [number, boolean] {
  if (isComparison(op)) return [lhs, scalarBinop(op, lhs, rhs) === 1];
  return [scalarBinop(op, lhs, rhs), true];
}

/** `vector op scalar` (or `scalar op vector` when `swap`). */
export function vectorScalarBinop(
  op: BinaryOp,
  vector: readonly Sample[],
  scalar: number,
  swap: boolean,
  returnBool: boolean,
): Sample[] {
  const out: Sample[] = [];
  for (const sample of vector) {
    const [l, r] = swap ? [scalar, sample.value] : [sample.value, scalar];
    let [value, keep] = elementBinop(op, l, r);
    // A comparison always yields the vector element's value, whichever side it is on.
    if (isComparison(op) && swap) value = r;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = dropsName(op) || returnBool ? dropMetricName(sample.labels) : sample.labels;
    out.push({ labels, value });
  }
  return out;
}

/** Prometheus's `labels.String()`: `{a="b", c="d"}`. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(', ')}}`;
}

function resultLabels(lhs: Labels, rhs: Labels, op: BinaryOp, matching: VectorMatching): Labels {
  let labels: Record<string, string> = { ...lhs };
  if (dropsName(op)) delete labels[METRIC_NAME_LABEL];
  if (matching.card === 'one-to-one') labels = { ...pickLabels(labels, matching.labels, matching.on) };
  for (const name of matching.include) {
    const value = rhs[name];
    if (value !== undefined && value !== '') labels[name] = value;
    else delete labels[name];
  }
  return sortedLabels(labels);
}

/** Arithmetic or comparison between two vectors. */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: readonly Sample[],
  rhsIn: readonly Sample[],
  matching: VectorMatching,
  returnBool: boolean,
): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  // one-to-many is many-to-one with the sides swapped (values swapped back when computing).
  const swapped = matching.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const sig = matchSignature(rs.labels, matching.on, matching.labels);
    const duplicate = rightSigs.get(sig);
    if (duplicate !== undefined) {
      const matched = matching.on
        ? pickLabels(rs.labels, matching.labels, true)
        : pickLabels(rs.labels, [...matching.labels, METRIC_NAME_LABEL], false);
      throw new PromqlExecutionError(
        `found duplicate series for the match group ${formatLabels(matched)} on the ${swapped ? 'left' : 'right'} ` +
          `hand-side of the operation: [${formatLabels(rs.labels)}, ${formatLabels(duplicate.labels)}];` +
          'many-to-many matching not allowed: matching labels must be unique on one side',
      );
    }
    rightSigs.set(sig, rs);
  }
  const matchedSigs = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const sig = matchSignature(ls.labels, matching.on, matching.labels);
    const rs = rightSigs.get(sig);
    if (rs === undefined) continue;
    const [vl, vr] = swapped ? [rs.value, ls.value] : [ls.value, rs.value];
    const [computed, keep] = elementBinop(op, vl, vr);
    let value = computed;
    if (returnBool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let labels = resultLabels(ls.labels, rs.labels, op, matching);
    if (returnBool) labels = dropMetricName(labels);
    const inserted = matchedSigs.get(sig);
    if (matching.card === 'one-to-one') {
      if (inserted !== undefined) {
        throw new PromqlExecutionError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matchedSigs.set(sig, null);
    } else {
      const key = keyOf(labels);
      if (inserted === undefined || inserted === null) matchedSigs.set(sig, new Set([key]));
      else if (inserted.has(key)) {
        throw new PromqlExecutionError(
          'multiple matches for labels: grouping labels must ensure unique matches',
        );
      } else inserted.add(key);
    }
    out.push({ labels, value });
  }
  return out;
}

/** `and`, `or`, `unless` (always many-to-many). */
export function setBinop(
  op: 'and' | 'or' | 'unless',
  lhs: readonly Sample[],
  rhs: readonly Sample[],
  matching: VectorMatching,
): Sample[] {
  const sig = (s: Sample): string => matchSignature(s.labels, matching.on, matching.labels);
  switch (op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set(rhs.map(sig));
      return lhs.filter((s) => right.has(sig(s)));
    }
    case 'or': {
      if (lhs.length === 0) return [...rhs];
      if (rhs.length === 0) return [...lhs];
      const left = new Set(lhs.map(sig));
      return [...lhs, ...rhs.filter((s) => !left.has(sig(s)))];
    }
    case 'unless': {
      if (lhs.length === 0 || rhs.length === 0) return [...lhs];
      const right = new Set(rhs.map(sig));
      return lhs.filter((s) => !right.has(sig(s)));
    }
  }
}
