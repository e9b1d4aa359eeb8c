import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IEnvFromSource } from 'kubernetes-models/v1/EnvFromSource';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeProjection } from 'kubernetes-models/v1/VolumeProjection';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import type { ServiceSpec } from './spec-types.js';

/** The container port every service listens on (the image's `PORT`). */
export const CONTAINER_PORT = 8080;

/** Where injected files appear (`OPSLOOP_FILES_DIR`). */
export const FILES_DIR = '/var/run/opsloop/files';

// Group-readable: the files belong to root and the pod's fsGroup; the process runs in that group.
const SECRET_FILE_MODE = 0o440;
const CONFIG_FILE_MODE = 0o444;

/** One container env entry (a value, or a reference that Kubernetes resolves in the pod). */
export type EnvVar = { name: string; value: string } | { name: string; valueFrom: Record<string, unknown> };

/** What a service's pod gets from its spec's `env`, `inject` and `dependsOn`. */
export interface ServiceEnv {
  /** The ConfigMap of the service's plain env, named after a hash of its content (a change rolls pods). */
  configMap: K8sObject;
  env: IEnvVar[];
  envFrom: IEnvFromSource[];
  /** A projected volume of injected files, if any. */
  filesVolume: IVolume | undefined;
  /** Whether the service uses the bus / the database (options.backends or `DATA_DIR` in its env). */
  usesBus: boolean;
  usesDatabase: boolean;
}

/** Which backends a service uses: the `backends` option, else "keeps data" (`DATA_DIR`) means both. */
export function backendsOf(
  name: string,
  service: ServiceSpec,
  options: ResolvedOptions,
): { bus: boolean; database: boolean } {
  const keepsData = 'DATA_DIR' in service.env;
  const given = options.backends[name];
  return { bus: given?.bus ?? keepsData, database: given?.database ?? keepsData };
}

/** Name of the Secret (made by an ExternalSecret) holding a service's `DATABASE_URL`. */
export const databaseSecretName = (service: string): string => `${service}-database`;

/** The in-cluster URL of a service (its ClusterIP Service, port 80). */
export function serviceUrl(service: string, options: ResolvedOptions): string {
  return `http://${service}.${options.namespace}.svc.${options.clusterDomain}:80`;
}

/** A short, stable hash of a value (kustomize's configMapGenerator does the same). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
}

/**
 * Maps a service's environment: plain env → a ConfigMap (envFrom); `inject` secrets → secretKeyRef/secretRef
 * of Secrets an ExternalSecret makes (never a value); `inject` config maps → configMapKeyRef/configMapRef;
 * files → one projected volume; dependencies → `OPSLOOP_ENDPOINTS` (the kit's static resolver) on cluster DNS.
 */
export function serviceEnv(
  name: string,
  service: ServiceSpec,
  options: ResolvedOptions,
  meta: { labels: Record<string, string> },
): ServiceEnv {
  const data = Object.fromEntries(Object.entries(service.env).sort(([a], [b]) => (a < b ? -1 : 1)));
  const configMap = typedObject<IConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-env-${contentHash(data)}`, namespace: options.namespace, labels: meta.labels },
    data,
  });
  const { bus, database } = backendsOf(name, service, options);
  const env: IEnvVar[] = [
    { name: 'PORT', value: String(CONTAINER_PORT) },
    // The kit binds 127.0.0.1 by default: kubelet probes and other pods come over the pod's address.
    { name: 'HOST', value: '0.0.0.0' },
    { name: 'OPSLOOP_SERVICE', value: name },
    { name: 'OPSLOOP_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  if (service.dependsOn.length > 0) {
    // No runtime registry in a cluster: the kit's static resolver, one Service address per dependency.
    const endpoints = [...service.dependsOn].sort().map((dep) => `${dep}=${serviceUrl(dep, options)}`);
    env.push({ name: 'OPSLOOP_ENDPOINTS', value: endpoints.join(';') });
  }
  if (options.otlp !== undefined)
    env.push({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: options.otlp.endpoint.replace(/\/$/, '') });
  if (bus && options.nats !== undefined) env.push({ name: 'NATS_URL', value: options.nats.url });
  if (database && options.postgres !== undefined)
    env.push({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: databaseSecretName(name), key: 'DATABASE_URL' } },
    });

  const envFrom: IEnvFromSource[] = [{ configMapRef: { name: configMap.metadata.name } }];
  const files: IVolumeProjection[] = [];
  for (const ref of service.inject) {
    const secret = ref.secret;
    const map = ref.configMap ?? '';
    if (ref.key === undefined) {
      const prefix = ref.prefix === undefined ? {} : { prefix: ref.prefix };
      envFrom.push(
        secret !== undefined
          ? { ...prefix, secretRef: { name: secret } }
          : { ...prefix, configMapRef: { name: map } },
      );
    } else if (ref.env !== undefined) {
      env.push({
        name: ref.env,
        valueFrom:
          secret !== undefined
            ? { secretKeyRef: { name: secret, key: ref.key } }
            : { configMapKeyRef: { name: map, key: ref.key } },
      });
    } else if (ref.file !== undefined) {
      files.push(
        secret !== undefined
          ? { secret: { name: secret, items: [{ key: ref.key, path: ref.file, mode: SECRET_FILE_MODE }] } }
          : { configMap: { name: map, items: [{ key: ref.key, path: ref.file, mode: CONFIG_FILE_MODE }] } },
      );
    }
  }
  if (files.length > 0) env.push({ name: 'OPSLOOP_FILES_DIR', value: FILES_DIR });
  return {
    configMap,
    env,
    envFrom,
    filesVolume: files.length === 0 ? undefined : { name: 'files', projected: { sources: files } },
    usesBus: bus,
    usesDatabase: database,
  };
}
