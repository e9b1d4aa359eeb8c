import { describe, expect, it } from 'vitest';
import { checkPolicies, POLICY_RULES, type K8sObject, type PolicyOptions } from '../src/index.js';
import type { Loose } from './fixture.js';
import { budget, edited, goodContainer, goodDeployment, goodPodSpec } from './policy-fixtures.js';

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;

/** The compliant Deployment with its pod spec, first container or whole object changed. */
const withPod = (change: (pod: Loose) => void): K8sObject[] => [
  edited(goodDeployment(), (d: Loose) => change(d.spec.template.spec)),
];
const withContainer = (change: (container: Loose) => void): K8sObject[] =>
  withPod((pod) => change(pod.containers[0]));

interface Case {
  name: string;
  objects: K8sObject[];
  options?: PolicyOptions;
  /** Every violation expected, as `rule|kind/namespace/name|path|message`. */
  expected: string[];
}

const line = (rule: string, path: string, message: string, object = 'Deployment/shop/app') =>
  `${rule}|${object}|${path}|${message}`;

const CASES: Case[] = [
  // image-pinned
  {
    name: 'an untagged image',
    objects: withContainer((c) => (c.image = 'ghcr.io/opsloop/app')),
    expected: [
      line(
        'image-pinned',
        `${C0}.image`,
        'container "app" image "ghcr.io/opsloop/app" has no tag or digest: pin a version tag or a digest',
      ),
    ],
  },
  {
    name: 'a latest image (a registry port is not a tag)',
    objects: withContainer((c) => (c.image = 'ghcr.io/opsloop/app:latest')),
    options: { allowedRegistries: ['ghcr.io/opsloop'] },
    expected: [
      line(
        'image-pinned',
        `${C0}.image`,
        'container "app" image "ghcr.io/opsloop/app:latest" uses the tag latest: pin a version tag or a digest',
      ),
    ],
  },
  {
    name: 'an untagged image behind a registry port',
    objects: withContainer((c) => (c.image = 'registry.local:5000/opsloop/app')),
    options: { allowedRegistries: ['registry.local:5000/opsloop'] },
    expected: [
      line(
        'image-pinned',
        `${C0}.image`,
        'container "app" image "registry.local:5000/opsloop/app" has no tag or digest: pin a version tag or a digest',
      ),
    ],
  },
  {
    name: 'a latest tag pinned by digest passes',
    objects: withContainer((c) => (c.image = `ghcr.io/opsloop/app:latest@sha256:${'a'.repeat(64)}`)),
    expected: [],
  },
  // allowed-registries
  {
    name: 'an image from another registry',
    objects: withContainer((c) => (c.image = 'docker.io/library/nginx:1.27')),
    expected: [
      line(
        'allowed-registries',
        `${C0}.image`,
        'container "app" image "docker.io/library/nginx:1.27" is not from an allowed registry (ghcr.io/opsloop)',
      ),
    ],
  },
  {
    name: 'a registry that only shares a prefix',
    objects: withContainer((c) => (c.image = 'ghcr.io/opsloop-fork/app:1.0')),
    options: { allowedRegistries: ['ghcr.io/opsloop/', 'quay.io/opsloop'] },
    expected: [
      line(
        'allowed-registries',
        `${C0}.image`,
        'container "app" image "ghcr.io/opsloop-fork/app:1.0" is not from an allowed registry (ghcr.io/opsloop/, quay.io/opsloop)',
      ),
    ],
  },
  {
    name: 'an image from a second allowed registry passes',
    objects: withContainer((c) => (c.image = 'quay.io/opsloop/app:1.0')),
    options: { allowedRegistries: ['ghcr.io/opsloop', 'quay.io/opsloop'] },
    expected: [],
  },
  // container-resources
  {
    name: 'no resources on an init container',
    objects: withPod((pod) => {
      pod.initContainers = [edited(goodContainer('migrate'), (c: Loose) => delete c.resources)];
    }),
    expected: ['requests.cpu', 'requests.memory', 'limits.memory'].map((field) =>
      line(
        'container-resources',
        `${POD}.initContainers[0].resources.${field}`,
        `container "migrate" has no resources.${field}`,
      ),
    ),
  },
  {
    name: 'no memory limit',
    objects: withContainer((c) => delete c.resources.limits),
    expected: [
      line(
        'container-resources',
        `${C0}.resources.limits.memory`,
        'container "app" has no resources.limits.memory',
      ),
    ],
  },
  // container-probes
  {
    name: 'no probes on an app container and a native sidecar; none needed on a plain init container',
    objects: withPod((pod) => {
      delete pod.containers[0].livenessProbe;
      delete pod.containers[0].readinessProbe;
      const init = edited(goodContainer('init'), (c: Loose) => {
        delete c.livenessProbe;
        delete c.readinessProbe;
      });
      const sidecar = edited(init, (c: Loose) => {
        c.name = 'proxy';
        c.restartPolicy = 'Always';
      });
      pod.initContainers = [init, sidecar];
    }),
    expected: [
      line(
        'container-probes',
        `${POD}.initContainers[1].livenessProbe`,
        'container "proxy" keeps running but has no livenessProbe',
      ),
      line(
        'container-probes',
        `${POD}.initContainers[1].readinessProbe`,
        'container "proxy" keeps running but has no readinessProbe',
      ),
      line(
        'container-probes',
        `${C0}.livenessProbe`,
        'container "app" keeps running but has no livenessProbe',
      ),
      line(
        'container-probes',
        `${C0}.readinessProbe`,
        'container "app" keeps running but has no readinessProbe',
      ),
    ],
  },
  {
    name: 'a CronJob needs no probes, but every other rule reaches its pod spec',
    objects: [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'report', namespace: 'shop' },
        spec: {
          schedule: '0 * * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: edited(goodPodSpec(), (pod: Loose) => {
                  pod.restartPolicy = 'OnFailure';
                  delete pod.containers[0].livenessProbe;
                  delete pod.containers[0].readinessProbe;
                  pod.containers[0].image = 'ghcr.io/opsloop/report';
                }),
              },
            },
          },
        },
      },
    ],
    expected: [
      line(
        'image-pinned',
        'spec.jobTemplate.spec.template.spec.containers[0].image',
        'container "app" image "ghcr.io/opsloop/report" has no tag or digest: pin a version tag or a digest',
        'CronJob/shop/report',
      ),
    ],
  },
  {
    name: 'a bare Pod that restarts is long-running; one that never restarts is not',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'shop' },
        spec: edited(goodPodSpec(), (pod: Loose) => delete pod.containers[0].readinessProbe),
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'task', namespace: 'shop' },
        spec: edited(goodPodSpec(), (pod: Loose) => {
          pod.restartPolicy = 'Never';
          delete pod.containers[0].readinessProbe;
        }),
      },
    ],
    expected: [
      line(
        'container-probes',
        'spec.containers[0].readinessProbe',
        'container "app" keeps running but has no readinessProbe',
        'Pod/shop/web',
      ),
    ],
  },
  // pod-disruption-budget
  {
    name: 'two replicas and no budget',
    objects: [goodDeployment(2)],
    expected: [
      line(
        'pod-disruption-budget',
        'spec.selector',
        'Deployment "app" keeps at least 2 replicas but no PodDisruptionBudget selects its pods',
      ),
    ],
  },
  {
    name: 'two replicas and a budget selecting other pods, or in another namespace',
    objects: [
      goodDeployment(2),
      budget({ matchLabels: { app: 'other' } }),
      edited(budget({ matchLabels: { app: 'app' } }, 'elsewhere'), (b) => (b.metadata.namespace = 'other')),
      budget({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, 'not-web'),
    ],
    expected: [
      line(
        'pod-disruption-budget',
        'spec.selector',
        'Deployment "app" keeps at least 2 replicas but no PodDisruptionBudget selects its pods',
      ),
    ],
  },
  {
    name: 'two replicas and a budget selecting them by labels and expressions',
    objects: [
      goodDeployment(2),
      budget({
        matchLabels: { app: 'app' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }],
      }),
    ],
    expected: [],
  },
  {
    name: 'an HPA with minReplicas 3 owns the count of a Deployment without replicas',
    objects: [
      edited(goodDeployment(), (d: Loose) => delete d.spec.replicas),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'app', namespace: 'shop' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
          minReplicas: 3,
          maxReplicas: 6,
        },
      },
    ],
    expected: [
      line(
        'pod-disruption-budget',
        'spec.selector',
        'Deployment "app" keeps at least 3 replicas but no PodDisruptionBudget selects its pods',
      ),
    ],
  },
  {
    name: 'a ScaledObject that may scale to zero needs no budget, even over replicas: 2',
    objects: [
      goodDeployment(2),
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'app', namespace: 'shop' },
        spec: { scaleTargetRef: { name: 'app' }, triggers: [] },
      },
    ],
    expected: [],
  },
  {
    name: 'a Rollout with workloadRef: its own replicas, its selector as the pods',
    objects: [
      goodDeployment(0),
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'app', namespace: 'shop' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'app' } },
          workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
        },
      },
    ],
    expected: [
      line(
        'pod-disruption-budget',
        'spec.selector',
        'Rollout "app" keeps at least 4 replicas but no PodDisruptionBudget selects its pods',
        'Rollout/shop/app',
      ),
    ],
  },
  // run-as-non-root
  {
    name: 'no runAsNonRoot anywhere',
    objects: withPod((pod) => delete pod.securityContext.runAsNonRoot),
    expected: [
      line(
        'run-as-non-root',
        `${C0}.securityContext.runAsNonRoot`,
        'container "app" may run as root: set runAsNonRoot: true on the pod or the container',
      ),
    ],
  },
  {
    name: 'a container overriding the pod with runAsNonRoot: false, and user 0 on the pod',
    objects: withPod((pod) => {
      pod.securityContext.runAsUser = 0;
      pod.containers[0].securityContext.runAsNonRoot = false;
    }),
    expected: [
      line(
        'run-as-non-root',
        `${C0}.securityContext.runAsNonRoot`,
        'container "app" may run as root: set runAsNonRoot: true on the pod or the container',
      ),
      line('run-as-non-root', `${POD}.securityContext.runAsUser`, 'container "app" runs as user 0 (root)'),
    ],
  },
  {
    name: 'runAsNonRoot on the container only passes',
    objects: withPod((pod) => {
      pod.securityContext = {};
      pod.containers[0].securityContext.runAsNonRoot = true;
    }),
    expected: [],
  },
  // securityContext fields
  {
    name: 'allowPrivilegeEscalation missing',
    objects: withContainer((c) => delete c.securityContext.allowPrivilegeEscalation),
    expected: [
      line(
        'no-privilege-escalation',
        `${C0}.securityContext.allowPrivilegeEscalation`,
        'container "app" does not set allowPrivilegeEscalation: false',
      ),
    ],
  },
  {
    name: 'privileged',
    objects: withContainer((c) => (c.securityContext.privileged = true)),
    expected: [line('no-privileged', `${C0}.securityContext.privileged`, 'container "app" runs privileged')],
  },
  {
    name: 'a writable root filesystem',
    objects: withContainer((c) => (c.securityContext.readOnlyRootFilesystem = false)),
    expected: [
      line(
        'read-only-root-filesystem',
        `${C0}.securityContext.readOnlyRootFilesystem`,
        'container "app" does not set readOnlyRootFilesystem: true',
      ),
    ],
  },
  {
    name: 'capabilities not dropped, one added',
    objects: withContainer(
      (c) => (c.securityContext.capabilities = { drop: ['NET_RAW'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] }),
    ),
    expected: [
      line(
        'drop-all-capabilities',
        `${C0}.securityContext.capabilities.drop`,
        'container "app" does not drop ALL capabilities',
      ),
      line(
        'drop-all-capabilities',
        `${C0}.securityContext.capabilities.add[1]`,
        'container "app" adds capability SYS_ADMIN: only NET_BIND_SERVICE may be added',
      ),
    ],
  },
  // host access
  {
    name: 'host network, PID and IPC, and a host port',
    objects: withPod((pod) => {
      pod.hostNetwork = true;
      pod.hostPID = true;
      pod.hostIPC = true;
      pod.containers[0].ports = [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090 }];
    }),
    expected: [
      ...['hostNetwork', 'hostPID', 'hostIPC'].map((field) =>
        line('no-host-namespaces', `${POD}.${field}`, `pod shares the host namespace: ${field} is true`),
      ),
      line('no-host-namespaces', `${C0}.ports[1].hostPort`, 'container "app" binds host port 9090'),
    ],
  },
  {
    name: 'a hostPath volume (an emptyDir passes)',
    objects: withPod((pod) => {
      pod.volumes = [
        { name: 'tmp', emptyDir: {} },
        { name: 'docker', hostPath: { path: '/var/run/docker.sock' } },
      ];
    }),
    expected: [
      line(
        'no-host-path',
        `${POD}.volumes[1].hostPath`,
        'volume "docker" mounts the host path /var/run/docker.sock',
      ),
    ],
  },
  // no-inline-secrets
  {
    name: 'a Secret with data and stringData; an empty or operator-owned one passes',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'shop' },
        data: { url: 'eA==' },
        stringData: { password: 'x' },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'shop' }, data: {} },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'synced',
          namespace: 'shop',
          ownerReferences: [{ kind: 'ExternalSecret', name: 'synced' }],
        } as Loose,
        data: { url: 'eA==' },
      },
    ],
    expected: [
      line(
        'no-inline-secrets',
        'data',
        'Secret carries inline data: create it from the secret store with an ExternalSecret',
        'Secret/shop/db',
      ),
      line(
        'no-inline-secrets',
        'stringData',
        'Secret carries inline stringData: create it from the secret store with an ExternalSecret',
        'Secret/shop/db',
      ),
    ],
  },
];

const lines = (objects: K8sObject[], options?: PolicyOptions) =>
  checkPolicies(objects, options).map(
    (v) => `${v.rule}|${v.kind}/${v.namespace}/${v.name}|${v.path}|${v.message}`,
  );

describe('policy rules', () => {
  it('pass the compliant Deployment, alone and with two replicas and a budget', () => {
    expect(lines([goodDeployment()])).toEqual([]);
    expect(lines([goodDeployment(3), budget({ matchLabels: { app: 'app' } })])).toEqual([]);
  });

  it.each(CASES)('$name', ({ objects, options, expected }) => {
    expect(lines(objects, options).sort()).toEqual([...expected].sort());
  });

  it('every rule is caught by some case, with every one of its messages', () => {
    const caught = new Set(CASES.flatMap((c) => c.expected));
    for (const rule of POLICY_RULES) {
      const ofRule = [...caught].filter((l) => l.startsWith(`${rule.id}|`));
      expect(ofRule.length, rule.id).toBeGreaterThan(0);
      // Each message template is exercised: its fixed text (before the first placeholder) shows up.
      for (const template of Object.values(rule.messages)) {
        const fixed = template.split(/%[sv]/).filter((part) => part.length > 3);
        expect(
          ofRule.some((l) => fixed.every((part) => l.includes(part))),
          `${rule.id}: ${template}`,
        ).toBe(true);
      }
    }
  });

  it.each([
    ['apps/v1', 'Deployment', ['spec', 'template', 'spec']],
    ['apps/v1', 'StatefulSet', ['spec', 'template', 'spec']],
    ['apps/v1', 'DaemonSet', ['spec', 'template', 'spec']],
    ['apps/v1', 'ReplicaSet', ['spec', 'template', 'spec']],
    ['batch/v1', 'Job', ['spec', 'template', 'spec']],
    ['batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
    ['argoproj.io/v1alpha1', 'Rollout', ['spec', 'template', 'spec']],
    ['v1', 'Pod', ['spec']],
  ] as const)('finds the pod spec of a %s %s', (apiVersion, kind, path) => {
    const pod = edited(
      goodPodSpec(),
      (spec: Loose) => (spec.containers[0].securityContext.privileged = true),
    );
    let body: Loose = pod;
    for (const key of [...path].reverse().slice(0, -1)) body = { [key]: body };
    const object = {
      apiVersion,
      kind,
      metadata: { name: 'w', namespace: 'shop' },
      [path[0]]: body,
    } as K8sObject;
    expect(lines([object])).toEqual([
      `no-privileged|${kind}/shop/w|${path.join('.')}.containers[0].securityContext.privileged|container "app" runs privileged`,
    ]);
  });

  it('reads any shape without throwing (parsed YAML is untyped)', () => {
    const odd = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: { template: { spec: { containers: 'no' } } },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'y' },
        spec: { replicas: 2, template: null },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'z' }, spec: { containers: [null, 7] } },
    ] as unknown as K8sObject[];
    expect(lines(odd)).toEqual([
      'pod-disruption-budget|Deployment//y|spec.selector|Deployment "y" keeps at least 2 replicas but no PodDisruptionBudget selects its pods',
    ]);
  });
});
