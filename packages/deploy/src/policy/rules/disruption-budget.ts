import type { K8sObject } from '../../k8s-object.js';
import { formatMessage } from '../message.js';
import { isRecord, listAt, recordAt, violation, type Json } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  missing: '%s "%s" keeps at least %v replicas but no PodDisruptionBudget selects its pods',
};

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Rollout'];

const namespaceOf = (object: K8sObject): string =>
  isRecord(object.metadata) && typeof object.metadata.namespace === 'string' ? object.metadata.namespace : '';

const targets = (scaler: K8sObject, workload: K8sObject, defaultKind: string | undefined): boolean => {
  const ref = recordAt(scaler, 'spec', 'scaleTargetRef');
  return (
    ref !== undefined &&
    namespaceOf(scaler) === namespaceOf(workload) &&
    ref['name'] === workload.metadata.name &&
    (ref['kind'] ?? defaultKind) === workload.kind
  );
};

/**
 * The fewest pods the workload runs: an HPA's `minReplicas` (default 1) or a ScaledObject's `minReplicaCount`
 * (default 0) when one scales it (they own the count then), else `spec.replicas` (default 1).
 */
function minimumReplicas(workload: K8sObject, objects: readonly K8sObject[]): number {
  const minimums: number[] = [];
  for (const scaler of objects) {
    if (scaler.kind === 'HorizontalPodAutoscaler' && targets(scaler, workload, undefined))
      minimums.push(numberOr(recordAt(scaler, 'spec')?.['minReplicas'], 1));
    if (scaler.kind === 'ScaledObject' && targets(scaler, workload, 'Deployment'))
      minimums.push(numberOr(recordAt(scaler, 'spec')?.['minReplicaCount'], 0));
  }
  if (minimums.length > 0) return Math.max(...minimums);
  return numberOr(recordAt(workload, 'spec')?.['replicas'], 1);
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** The pods' labels: the template's, else (a Rollout with `workloadRef`) the selector's. */
const podLabels = (workload: K8sObject): Json =>
  recordAt(workload, 'spec', 'template', 'metadata', 'labels') ??
  recordAt(workload, 'spec', 'selector', 'matchLabels') ??
  {};

/** A label selector as Kubernetes evaluates it; policy/v1 treats an empty selector as "every pod". */
export function selectorMatches(selector: unknown, labels: Json): boolean {
  if (!isRecord(selector)) return false;
  const matchLabels = recordAt(selector, 'matchLabels') ?? {};
  if (Object.entries(matchLabels).some(([key, value]) => labels[key] !== value)) return false;
  return listAt(selector, 'matchExpressions').every((expression) => {
    if (!isRecord(expression) || typeof expression['key'] !== 'string') return false;
    const key = expression['key'];
    const values = listAt(expression, 'values');
    switch (expression['operator']) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
}

/**
 * A PodDisruptionBudget for every workload that keeps more than one pod, so that a node drain cannot take
 * them all at once. A workload of one pod gets none: its budget would block every drain.
 */
export const podDisruptionBudget: PolicyRule = {
  id: 'pod-disruption-budget',
  constraintKind: 'OpsloopPodDisruptionBudget',
  title: 'Every workload with more than one replica has a PodDisruptionBudget',
  // Referential in the cluster: a Deployment applied just before its budget would be refused, so warn.
  severity: 'warning',
  messages,
  match: [
    { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet'] },
    { apiGroups: ['argoproj.io'], kinds: ['Rollout'] },
  ],
  check: (objects) => {
    const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
    return objects
      .filter((object) => WORKLOAD_KINDS.includes(object.kind))
      .flatMap((workload) => {
        const minimum = minimumReplicas(workload, objects);
        if (minimum <= 1) return [];
        const labels = podLabels(workload);
        const covered = budgets.some(
          (budget) =>
            namespaceOf(budget) === namespaceOf(workload) &&
            selectorMatches(recordAt(budget, 'spec')?.['selector'], labels),
        );
        if (covered) return [];
        return [
          violation(
            'pod-disruption-budget',
            workload,
            'spec.selector',
            formatMessage(messages.missing, [workload.kind, workload.metadata.name, minimum]),
          ),
        ];
      });
  },
  rego: `# Referential: needs PodDisruptionBudgets, HPAs and ScaledObjects synced into data.inventory (config.yaml).
namespace := object.get(input.review.object.metadata, "namespace", input.review.namespace)

inventory(group_version, kind) = objects {
  objects := object.get(object.get(object.get(data.inventory.namespace, namespace, {}), group_version, {}), kind, {})
}

scaler_minimums[n] {
  obj := input.review.object
  hpa := inventory("autoscaling/v2", "HorizontalPodAutoscaler")[_]
  hpa.spec.scaleTargetRef.kind == obj.kind
  hpa.spec.scaleTargetRef.name == obj.metadata.name
  n := object.get(hpa.spec, "minReplicas", 1)
}

scaler_minimums[n] {
  obj := input.review.object
  scaled := inventory("keda.sh/v1alpha1", "ScaledObject")[_]
  object.get(scaled.spec.scaleTargetRef, "kind", "Deployment") == obj.kind
  scaled.spec.scaleTargetRef.name == obj.metadata.name
  n := object.get(scaled.spec, "minReplicaCount", 0)
}

minimum_replicas = n {
  count(scaler_minimums) > 0
  n := max(scaler_minimums)
}

minimum_replicas = n {
  count(scaler_minimums) == 0
  n := object.get(input.review.object.spec, "replicas", 1)
}

pod_labels = labels {
  labels := input.review.object.spec.template.metadata.labels
}

pod_labels = labels {
  not input.review.object.spec.template.metadata.labels
  labels := object.get(input.review.object.spec.selector, "matchLabels", {})
}

label_mismatch(selector, labels) {
  value := selector.matchLabels[key]
  not labels[key] == value
}

expression_fails(selector, labels) {
  expression := selector.matchExpressions[_]
  not expression_holds(expression, labels)
}

has_label(labels, key) {
  _ = labels[key]
}

in_values(expression, labels) {
  labels[expression.key] == expression.values[_]
}

expression_holds(expression, labels) {
  expression.operator == "In"
  in_values(expression, labels)
}

expression_holds(expression, labels) {
  expression.operator == "NotIn"
  not in_values(expression, labels)
}

expression_holds(expression, labels) {
  expression.operator == "Exists"
  has_label(labels, expression.key)
}

expression_holds(expression, labels) {
  expression.operator == "DoesNotExist"
  not has_label(labels, expression.key)
}

selects(budget, labels) {
  selector := budget.spec.selector
  not label_mismatch(selector, labels)
  not expression_fails(selector, labels)
}

covered {
  budget := inventory("policy/v1", "PodDisruptionBudget")[_]
  selects(budget, pod_labels)
}

violation[{"msg": msg}] {
  obj := input.review.object
  n := minimum_replicas
  n > 1
  not covered
  msg := sprintf(${regoString(messages.missing)}, [obj.kind, obj.metadata.name, n])
}
`,
};
