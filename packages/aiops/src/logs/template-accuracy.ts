/**
 * Log-parsing accuracy as defined by the Loghub-2.0 evaluator (shared/tools/loghub_score.py): lines whose
 * ground-truth template is empty are not scored.
 * - GA (grouping accuracy): a line is right iff its predicted group (lines with the same predicted label) is
 *   exactly its ground-truth group (lines with the same true template).
 * - PA (parsing accuracy): a line is right iff its predicted template string equals the true one exactly.
 */
export interface TemplateAccuracy {
  readonly lines: number;
  readonly ga: number;
  readonly pa: number;
  readonly truthGroups: number;
  readonly predictedGroups: number;
}

/**
 * `truth[i]` and `predicted[i]` are the templates of line i; `labels[i]` (default: the predicted template)
 * is the predicted group, for parsers whose groups are ids.
 */
export function templateAccuracy(
  truth: readonly string[],
  predicted: readonly string[],
  labels: readonly string[] = predicted,
): TemplateAccuracy {
  if (truth.length !== predicted.length || labels.length !== predicted.length) {
    throw new RangeError(`lengths differ: ${truth.length} truths, ${predicted.length} predictions`);
  }
  const scored: number[] = [];
  for (let i = 0; i < truth.length; i++) if (truth[i] !== '') scored.push(i);
  // For each true group: the predicted labels of its lines; for each predicted label: its size.
  const truthLabels = new Map<string, Set<string>>();
  const truthSize = new Map<string, number>();
  const labelSize = new Map<string, number>();
  let exact = 0;
  for (const i of scored) {
    const t = truth[i] as string;
    const p = labels[i] as string;
    let set = truthLabels.get(t);
    if (set === undefined) truthLabels.set(t, (set = new Set()));
    set.add(p);
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
    labelSize.set(p, (labelSize.get(p) ?? 0) + 1);
    if (predicted[i] === t) exact++;
  }
  let grouped = 0;
  for (const [t, set] of truthLabels) {
    if (set.size !== 1) continue;
    const size = truthSize.get(t) as number;
    if (labelSize.get([...set][0] as string) === size) grouped += size;
  }
  const n = scored.length;
  return {
    lines: n,
    ga: n === 0 ? 0 : grouped / n,
    pa: n === 0 ? 0 : exact / n,
    truthGroups: truthLabels.size,
    predictedGroups: labelSize.size,
  };
}
