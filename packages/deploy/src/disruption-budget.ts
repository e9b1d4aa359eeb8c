import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { typedObject, type K8sObject } from './k8s-object.js';
import { selectorLabels } from './labels.js';
import type { ResolvedOptions } from './options.js';
import type { ServiceSpec } from './spec-types.js';

/**
 * A PodDisruptionBudget (policy/v1) for a workload that can run more than one replica (`replicas` or the
 * autoscaler's minimum above 1): the spec's `disruptionBudget.minAvailable` if given, else
 * `maxUnavailable: 1` (one pod at a time, whatever the count). A single replica gets none: a budget on it
 * would block node drains forever.
 */
export function renderPdb(
  name: string,
  service: ServiceSpec,
  labels: Record<string, string>,
  options: ResolvedOptions,
): K8sObject | undefined {
  const least = service.autoscaling?.minReplicas ?? service.replicas;
  if (least <= 1) return undefined;
  const budget =
    service.disruptionBudget === undefined
      ? { maxUnavailable: 1 }
      : { minAvailable: service.disruptionBudget.minAvailable };
  return typedObject<IPodDisruptionBudget>({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: options.namespace, labels },
    spec: { ...budget, selector: { matchLabels: selectorLabels(name) } },
  });
}
