import { matchesAll, type LabelMatcher, type Labels } from '../model/labels.js';

/**
 * An inhibition rule: while an alert matching `sourceMatchers` fires, alerts matching `targetMatchers`
 * with the same values of the `equal` labels are muted (e.g. a `page` burn alert mutes the `ticket` one of
 * the same SLO; `ServiceDown` mutes the service's SLO alerts).
 */
export interface InhibitRule {
  readonly sourceMatchers: readonly LabelMatcher[];
  readonly targetMatchers: readonly LabelMatcher[];
  readonly equal?: readonly string[];
}

/** A firing alert that may inhibit others. */
export interface InhibitionSource {
  readonly fingerprint: string;
  readonly labels: Labels;
}

const equalKey = (names: readonly string[], labels: Labels) =>
  JSON.stringify(names.map((n) => labels[n] ?? ''));

/**
 * Prepares the inhibition decision for many alerts against one set of firing `sources`: sources are
 * indexed per rule by their `equal` label values, so each check costs the rules, not the sources.
 * The returned function gives the fingerprints of the sources muting an alert, as Alertmanager decides:
 * for each rule the target matches, a source matching the rule's source matchers with equal values of
 * the `equal` labels (absent on both sides counts as equal). An alert matching both sides of a rule is
 * not inhibited by alerts that also match both sides, so it cannot inhibit itself.
 */
export function createInhibitionCheck(
  rules: readonly InhibitRule[],
  sources: readonly InhibitionSource[],
): (labels: Labels, fingerprint: string) => string[] {
  const indexed = rules.map((rule) => {
    const bySignature = new Map<string, InhibitionSource[]>();
    for (const source of sources) {
      if (!matchesAll(rule.sourceMatchers, source.labels)) continue;
      const key = equalKey(rule.equal ?? [], source.labels);
      let list = bySignature.get(key);
      if (list === undefined) bySignature.set(key, (list = []));
      list.push(source);
    }
    return { rule, bySignature };
  });
  return (labels, fingerprint) => {
    const by = new Set<string>();
    for (const { rule, bySignature } of indexed) {
      if (bySignature.size === 0 || !matchesAll(rule.targetMatchers, labels)) continue;
      const twoSided = matchesAll(rule.sourceMatchers, labels);
      for (const source of bySignature.get(equalKey(rule.equal ?? [], labels)) ?? []) {
        if (source.fingerprint === fingerprint) continue;
        if (twoSided && matchesAll(rule.targetMatchers, source.labels)) continue;
        by.add(source.fingerprint);
      }
    }
    return [...by];
  };
}

/** {@link createInhibitionCheck} for a single alert. */
export function inhibitedBy(
  rules: readonly InhibitRule[],
  sources: readonly InhibitionSource[],
  labels: Labels,
  fingerprint: string,
): string[] {
  return createInhibitionCheck(rules, sources)(labels, fingerprint);
}
