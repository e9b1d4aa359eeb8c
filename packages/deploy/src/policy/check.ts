import type { K8sObject } from '../k8s-object.js';
import { DEFAULT_IMAGE_REGISTRY } from '../options.js';
import { POLICY_RULES } from './rules.js';
import type { PolicyOptions, ResolvedPolicyOptions, Violation } from './types.js';

export function resolvePolicyOptions(options: PolicyOptions = {}): ResolvedPolicyOptions {
  return { allowedRegistries: options.allowedRegistries ?? [DEFAULT_IMAGE_REGISTRY] };
}

/**
 * Every policy rule over a set of manifests (rendered objects or parsed YAML): [] when they comply. Rules
 * see the whole set, so a PodDisruptionBudget or an HPA in another document counts.
 */
export function checkPolicies(objects: readonly K8sObject[], options: PolicyOptions = {}): Violation[] {
  const resolved = resolvePolicyOptions(options);
  return POLICY_RULES.flatMap((rule) => rule.check(objects, resolved));
}

/** One line per violation: `<rule> <kind>/<namespace>/<name> <path>: <message>` (`-` for no namespace). */
export function formatViolation(v: Violation): string {
  return `${v.rule} ${v.kind}/${v.namespace === '' ? '-' : v.namespace}/${v.name} ${v.path}: ${v.message}`;
}
