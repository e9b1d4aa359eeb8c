import { posix } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { RenderError } from './errors.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import { selectorLabels } from './labels.js';
import type { ResolvedOptions } from './options.js';
import { cpuQuantity, DEFAULT_CPU_CORES, DEFAULT_MEMORY_BYTES, memoryQuantity } from './quantity.js';
import { CONTAINER_PORT, contentHash, FILES_DIR, type ServiceEnv } from './service-env.js';
import type { HttpProbe, ServiceSpec, SystemSpec } from './spec-types.js';

/** The non-root user (and group) every container runs as; the image must own nothing it needs to write. */
export const RUN_AS_USER = 10001;

/** Seconds added to the spec's own grace period so Kubernetes' SIGKILL comes after the drain. */
export const GRACE_MARGIN_SECONDS = 5;

/** A service's requests and limits: memory request = limit (no overcommit), CPU request only (no throttling). */
export function resourcesOf(service: ServiceSpec): {
  requests: { cpu: string; memory: string };
  limits: { memory: string };
} {
  const memory = memoryQuantity(service.resources.memory ?? DEFAULT_MEMORY_BYTES);
  return {
    requests: { cpu: cpuQuantity(service.resources.cpu ?? DEFAULT_CPU_CORES), memory },
    limits: { memory },
  };
}

function probe(spec: HttpProbe): IProbe {
  return {
    httpGet: { path: spec.path, port: 'http' },
    initialDelaySeconds: spec.initialDelaySeconds,
    periodSeconds: spec.periodSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    failureThreshold: spec.failureThreshold,
    successThreshold: spec.successThreshold,
  };
}

/** Where a path relative to the service's `cwd` lands in the image. */
function inImage(options: ResolvedOptions, service: ServiceSpec, path: string): string {
  return posix.resolve(options.workDir, service.cwd, path);
}

/** Inputs of {@link podTemplate}. */
export interface PodTemplateInput {
  name: string;
  service: ServiceSpec;
  spec: SystemSpec;
  env: ServiceEnv;
  labels: Record<string, string>;
  options: ResolvedOptions;
}

/**
 * The pod template of a service. The image's WORKDIR is the repository root (`workDir`), so the spec's
 * command (`node services/x/dist/main.js`) runs unchanged: its first word is the container's command, the
 * rest its args, from the spec's `cwd` under the WORKDIR.
 */
export function podTemplate(input: PodTemplateInput): IPodTemplateSpec {
  const { name, service, spec, env, labels, options } = input;
  const [program, ...args] = service.command;
  if (program === undefined) throw new RenderError(`services.${name}.command: expected a program to run`);
  const mounts: IVolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const volumes: IVolume[] = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
  const dataDir = service.env.DATA_DIR;
  if (dataDir !== undefined) {
    // The root filesystem is read-only: the embedded database (used without DATABASE_URL) needs a place.
    mounts.push({ name: 'data', mountPath: inImage(options, service, dataDir) });
    volumes.push({ name: 'data', emptyDir: {} });
  }
  if (env.filesVolume !== undefined) {
    mounts.push({ name: 'files', mountPath: FILES_DIR, readOnly: true });
    volumes.push(env.filesVolume);
  }
  // Pods roll when a config map they read changes (its name stays, unlike the env ConfigMap's).
  const configMaps = [
    ...new Set(service.inject.flatMap((ref) => (ref.configMap === undefined ? [] : [ref.configMap]))),
  ]
    .sort()
    .map((map) => [map, spec.configMaps[map]?.data ?? {}]);
  const container: IContainer = {
    name,
    image: `${options.imageRegistry}/${name}:${options.imageTag}`,
    imagePullPolicy: 'IfNotPresent',
    command: [program],
    ...(args.length > 0 ? { args } : {}),
    workingDir: inImage(options, service, '.'),
    ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
    env: env.env,
    envFrom: env.envFrom,
    resources: resourcesOf(service),
    ...(service.probes.startup ? { startupProbe: probe(service.probes.startup) } : {}),
    ...(service.probes.liveness ? { livenessProbe: probe(service.probes.liveness) } : {}),
    ...(service.probes.readiness ? { readinessProbe: probe(service.probes.readiness) } : {}),
    // The runtime's drain: keep serving while endpoints controllers and clients forget this pod.
    ...(service.drainSeconds > 0
      ? { lifecycle: { preStop: { sleep: { seconds: service.drainSeconds } } } }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
  return {
    metadata: {
      labels,
      ...(configMaps.length > 0
        ? { annotations: { 'opsloop.dev/config-hash': contentHash(configMaps) } }
        : {}),
    },
    spec: {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds:
        Math.ceil(service.drainSeconds + service.terminationGracePeriodSeconds) + GRACE_MARGIN_SECONDS,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS_USER,
        runAsGroup: RUN_AS_USER,
        fsGroup: RUN_AS_USER,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [container],
      volumes,
    },
  };
}

/** Inputs of {@link renderDeployment}. */
export interface DeploymentInput extends PodTemplateInput {
  /** Replicas to set; undefined when an autoscaler owns the count. */
  replicas: number | undefined;
}

/** The Deployment of a service (rolling update bounds from the spec's RollingUpdate strategy). */
export function renderDeployment(input: DeploymentInput): K8sObject {
  const { name, service, labels, options, replicas } = input;
  const rolling =
    service.strategy.type === 'RollingUpdate'
      ? service.strategy.rollingUpdate
      : { maxSurge: '25%', maxUnavailable: '25%' };
  return typedObject<IDeployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: rolling },
      template: podTemplate(input),
    },
  });
}

/** The ServiceAccount of a service: its pods never call the Kubernetes API, so no token is mounted. */
export function renderServiceAccount(
  name: string,
  labels: Record<string, string>,
  options: ResolvedOptions,
): K8sObject {
  return typedObject<IServiceAccount>({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: options.namespace, labels },
    automountServiceAccountToken: false,
  });
}
