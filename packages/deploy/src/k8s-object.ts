/** A label selector, as Kubernetes writes it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Metadata of a rendered object: the fields the renderer sets. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * A plain Kubernetes object (a JSON value, no class instance): what {@link renderKubernetes} returns and
 * {@link toYaml} prints. The body is open because it spans built-in kinds and CRDs.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * An object written against its type: a kubernetes-models interface (`IDeployment`, …) or a CRD schema's
 * input type, so that a misspelt or misplaced field fails the build. The OpenAPI validation at run time
 * ignores unknown fields, which the API server's strict field validation would then refuse.
 */
export function typedObject<T extends { apiVersion: string; kind: string }>(
  object: T & { metadata: ObjectMeta },
): K8sObject {
  return object;
}
