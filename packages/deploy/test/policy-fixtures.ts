import type { K8sObject } from '../src/index.js';

/** A container every rule accepts. */
export function goodContainer(name = 'app'): Record<string, unknown> {
  return {
    name,
    image: 'ghcr.io/opsloop/app:1.2.3',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
    livenessProbe: { httpGet: { path: '/livez', port: 8080 } },
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** A pod spec every rule accepts. */
export function goodPodSpec(): Record<string, unknown> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    containers: [goodContainer()],
  };
}

/** A compliant Deployment `app` in namespace `shop` with this many replicas (a PDB is the caller's). */
export function goodDeployment(replicas = 1): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app', tier: 'web' } }, spec: goodPodSpec() },
    },
  };
}

/** A PodDisruptionBudget in `shop` with this selector. */
export function budget(selector: unknown, name = 'app'): K8sObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'shop' },
    spec: { maxUnavailable: 1, selector },
  };
}

/** Deep copy, then `change` edits it: each case starts from a compliant object. */
export function edited<T>(value: T, change: (copy: T) => void): T {
  const copy = structuredClone(value);
  change(copy);
  return copy;
}
