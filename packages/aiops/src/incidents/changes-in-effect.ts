import { RESPONDING_ORIGINS } from './signal.js';

/** What {@link changesInEffect} reads of a change (a ChangeSignal, a diagnosis' change). */
export interface ChangeFacts {
  readonly change: string;
  readonly atMs: number;
  readonly service?: string;
  readonly flag?: string;
  readonly origin?: string;
}

/** Changes that undo what came before them on the same subject (scaling does not undo a release). */
const UNDOING = new Set([
  'flag',
  'config',
  'deploy',
  'rollback',
  'rollout',
  'rollout-started',
  'rollout-promoted',
  'rollout-aborted',
]);

/** What a change acts on: a flag (wherever it is evaluated), or a service's release. */
function subjectOf(c: ChangeFacts): string | undefined {
  if (c.change === 'flag') return c.flag === undefined ? undefined : `flag ${c.flag}`;
  if (!UNDOING.has(c.change) || c.service === undefined) return undefined;
  return `release ${c.service}`;
}

/**
 * The changes that may still be a cause: not made in response to an incident (remediation, the autoscaler),
 * and not followed by such a response on the same subject — a flag remediation turned back, a release it rolled
 * back — made no later than `respondedBeforeMs` (an incident's own responses do not unmake its cause). Without
 * this, the next incident took the already-reverted flip for its cause, and its kill switch "reverted"
 * remediation's own fix: the bad variant went back in (the recovery benchmark's bad-config, after bad-flag).
 */
export function changesInEffect<C extends ChangeFacts>(
  changes: readonly C[],
  respondedBeforeMs = Infinity,
): C[] {
  const respondedAt = new Map<string, number>();
  for (const c of changes) {
    if (!RESPONDING_ORIGINS.has(c.origin ?? '') || c.atMs > respondedBeforeMs) continue;
    const subject = subjectOf(c);
    if (subject !== undefined)
      respondedAt.set(subject, Math.max(respondedAt.get(subject) ?? -Infinity, c.atMs));
  }
  return changes.filter((c) => {
    if (RESPONDING_ORIGINS.has(c.origin ?? '')) return false;
    const subject = subjectOf(c);
    return subject === undefined || c.atMs >= (respondedAt.get(subject) ?? -Infinity);
  });
}
