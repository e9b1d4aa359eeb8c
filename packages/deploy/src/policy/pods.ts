import type { K8sObject } from '../k8s-object.js';
import type { Violation } from './types.js';

/** A JSON object read defensively: manifests given to `--manifests` may have any shape. */
export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const recordAt = (value: unknown, ...path: string[]): Json | undefined => {
  let current: unknown = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return isRecord(current) ? current : undefined;
};

export const listAt = (value: unknown, ...path: string[]): unknown[] => {
  let current: unknown = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return Array.isArray(current) ? current : [];
};

/**
 * Where each workload kind keeps its pod spec, and whether its pods are meant to keep running (Jobs end, so
 * probes make no sense there). An Argo Rollout with `workloadRef` has no template: its Deployment is checked.
 */
const POD_SPEC_PATHS: Readonly<Record<string, { path: readonly string[]; longRunning: boolean }>> = {
  Deployment: { path: ['spec', 'template', 'spec'], longRunning: true },
  StatefulSet: { path: ['spec', 'template', 'spec'], longRunning: true },
  DaemonSet: { path: ['spec', 'template', 'spec'], longRunning: true },
  ReplicaSet: { path: ['spec', 'template', 'spec'], longRunning: true },
  Rollout: { path: ['spec', 'template', 'spec'], longRunning: true },
  Job: { path: ['spec', 'template', 'spec'], longRunning: false },
  CronJob: { path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'], longRunning: false },
  Pod: { path: ['spec'], longRunning: true },
};

/** Kinds whose objects carry a pod spec. */
export const POD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** A pod spec inside a workload object. */
export interface PodSpecAt {
  object: K8sObject;
  path: string;
  spec: Json;
  longRunning: boolean;
}

/** A container of a pod spec. */
export interface ContainerAt {
  pod: PodSpecAt;
  path: string;
  container: Json;
  name: string;
  init: boolean;
  /** Kept running for the pod's life: app containers of long-running pods and their native sidecars. */
  longRunning: boolean;
}

/** Every pod spec among the objects (one per workload). */
export function podSpecs(objects: readonly K8sObject[]): PodSpecAt[] {
  const found: PodSpecAt[] = [];
  for (const object of objects) {
    const where = POD_SPEC_PATHS[object.kind];
    if (where === undefined) continue;
    const spec = recordAt(object, ...where.path);
    if (spec === undefined) continue;
    // A bare Pod that restarts Never or OnFailure is a one-off task, like a Job's.
    const restart = spec['restartPolicy'];
    const longRunning = where.longRunning && (restart === undefined || restart === 'Always');
    found.push({ object, path: where.path.join('.'), spec, longRunning });
  }
  return found;
}

/** Every container (init containers included) of every pod spec among the objects. */
export function containers(objects: readonly K8sObject[]): ContainerAt[] {
  const found: ContainerAt[] = [];
  for (const pod of podSpecs(objects)) {
    for (const field of ['initContainers', 'containers'] as const) {
      listAt(pod.spec, field).forEach((container, i) => {
        if (!isRecord(container)) return;
        const init = field === 'initContainers';
        const sidecar = init && container['restartPolicy'] === 'Always';
        found.push({
          pod,
          path: `${pod.path}.${field}[${i}]`,
          container,
          name: typeof container['name'] === 'string' ? container['name'] : `#${i}`,
          init,
          longRunning: pod.longRunning && (!init || sidecar),
        });
      });
    }
  }
  return found;
}

/** A violation of `rule` on `object`. */
export function violation(rule: string, object: K8sObject, path: string, message: string): Violation {
  const metadata: Json = isRecord(object.metadata) ? object.metadata : {};
  return {
    rule,
    kind: typeof object.kind === 'string' ? object.kind : '',
    namespace: typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '',
    name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
    path,
    message,
  };
}

/** The constraint match of rules that look at pod specs. */
export const POD_MATCH = [
  { apiGroups: [''], kinds: ['Pod'] },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
  { apiGroups: ['batch'], kinds: ['Job', 'CronJob'] },
  { apiGroups: ['argoproj.io'], kinds: ['Rollout'] },
] as const;
