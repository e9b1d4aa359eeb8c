import type { K8sObject } from '../k8s-object.js';

/** One broken rule on one object: what `opsloop policy check` prints and Gatekeeper would deny. */
export interface Violation {
  /** The rule's id (also the Gatekeeper constraint's name). */
  rule: string;
  kind: string;
  /** Empty for a cluster-scoped object or one written without a namespace. */
  namespace: string;
  name: string;
  /** Where in the object, dotted with indices: `spec.template.spec.containers[0].image`. */
  path: string;
  message: string;
}

/** Options of {@link checkPolicies}. */
export interface PolicyOptions {
  /**
   * Registry prefixes images may come from (`ghcr.io/opsloop` allows `ghcr.io/opsloop/cart:1.0`, not
   * `ghcr.io/opsloop-x/cart:1.0`). Default: the renderer's `DEFAULT_IMAGE_REGISTRY`.
   */
  allowedRegistries?: readonly string[];
}

/** Options with their defaults applied. */
export interface ResolvedPolicyOptions {
  allowedRegistries: readonly string[];
}

/** A group and kind a Gatekeeper constraint matches (`match.kinds[]`). */
export interface MatchKind {
  apiGroups: readonly string[];
  kinds: readonly string[];
}

/**
 * One rule, evaluated here by `check` and in the cluster by its Rego. `messages` are the format strings
 * both use (`%s`, `%v` in order, as Rego's sprintf), so the two cannot word a violation differently.
 */
export interface PolicyRule {
  /** kebab-case; the Constraint's name. */
  id: string;
  /** The ConstraintTemplate's CRD kind (its lowercase form names the template and the Rego package). */
  constraintKind: string;
  title: string;
  /** `error` is denied at admission; `warning` is admitted with a warning (Gatekeeper `warn`). */
  severity: 'error' | 'warning';
  messages: Readonly<Record<string, string>>;
  /** Kinds the constraint matches. */
  match: readonly MatchKind[];
  /** The constraint's parameters and their OpenAPI schema, when the rule takes any. */
  parameters?: {
    schema: Record<string, unknown>;
    values: (options: ResolvedPolicyOptions) => Record<string, unknown>;
  };
  /** The rule's Rego, after its package line and the shared library (rego-library.ts). */
  rego: string;
  check: (objects: readonly K8sObject[], options: ResolvedPolicyOptions) => Violation[];
}
