import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import { cpuQuantity, DEFAULT_CPU_CORES, DEFAULT_MEMORY_BYTES, memoryQuantity } from './quantity.js';
import type { ServiceSpec, SystemSpec } from './spec-types.js';

const MI = 2 ** 20;

/** Replicas a service can run at its peak: the autoscaler's maximum (or replicas) plus a rollout's surge. */
export function peakPods(service: ServiceSpec): number {
  const base = Math.max(service.autoscaling?.maxReplicas ?? service.replicas, service.replicas);
  if (service.strategy.type !== 'RollingUpdate') return base * 2; // the new revision beside the old, at full size
  const surge = service.strategy.rollingUpdate.maxSurge;
  const extra = typeof surge === 'number' ? surge : Math.ceil((base * Number.parseInt(surge, 10)) / 100);
  return base + Math.max(1, extra);
}

/** The Namespace, labelled for Pod Security Admission's `restricted` level (every pod here meets it). */
export function renderNamespace(options: ResolvedOptions, labels: Record<string, string>): K8sObject {
  return typedObject<INamespace>({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: options.namespace,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
}

/**
 * A ResourceQuota sized from the workloads (each service's requests and memory limit × its peak pods, summed,
 * plus `quotaHeadroom`), and a LimitRange whose defaults are the renderer's own and whose maximum is the
 * largest service's limit plus the headroom: a container added by hand cannot starve the services.
 */
export function renderQuotaAndLimits(
  spec: SystemSpec,
  options: ResolvedOptions,
  labels: Record<string, string>,
): K8sObject[] {
  let cpu = 0;
  let memory = 0;
  let pods = 0;
  let largestMemory = 0;
  for (const service of Object.values(spec.services)) {
    const peak = peakPods(service);
    const serviceCpu = service.resources.cpu ?? DEFAULT_CPU_CORES;
    const serviceMemory = service.resources.memory ?? DEFAULT_MEMORY_BYTES;
    cpu += serviceCpu * peak;
    memory += serviceMemory * peak;
    pods += peak;
    largestMemory = Math.max(largestMemory, serviceMemory);
  }
  const grow = 1 + options.quotaHeadroom;
  const roundMi = (bytes: number) => Math.ceil(bytes / MI) * MI;
  return [
    typedObject<IResourceQuota>({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'opsloop', namespace: options.namespace, labels },
      spec: {
        hard: {
          pods: String(Math.ceil(pods * grow)),
          'requests.cpu': cpuQuantity(cpu * grow),
          'requests.memory': memoryQuantity(roundMi(memory * grow)),
          'limits.memory': memoryQuantity(roundMi(memory * grow)),
        },
      },
    }),
    typedObject<ILimitRange>({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'opsloop', namespace: options.namespace, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            default: { memory: memoryQuantity(DEFAULT_MEMORY_BYTES) },
            defaultRequest: {
              cpu: cpuQuantity(DEFAULT_CPU_CORES),
              memory: memoryQuantity(DEFAULT_MEMORY_BYTES),
            },
            // No CPU maximum: it would require a CPU limit on every container, and limits throttle latency.
            max: {
              memory: memoryQuantity(roundMi(Math.max(largestMemory, DEFAULT_MEMORY_BYTES) * grow)),
            },
          },
        ],
      },
    }),
  ];
}
