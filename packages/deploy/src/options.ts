import type { LabelSelector } from './k8s-object.js';
import { RenderError } from './errors.js';

/** A NetworkPolicy peer: pods and/or namespaces by label, or an address block. */
export type NetworkPeer =
  | { namespaceSelector?: LabelSelector; podSelector?: LabelSelector }
  | { ipBlock: { cidr: string; except?: string[] } };

/** A backend outside the namespace (NATS, PostgreSQL): who may be reached, on which TCP port. */
export interface BackendOptions {
  /** Where it is, for the egress NetworkPolicy. */
  peers: NetworkPeer[];
  /** TCP port (NATS 4222, PostgreSQL 5432 by default). */
  port?: number;
}

/** NATS JetStream: `NATS_URL` of the services that use the bus. */
export interface NatsOptions extends BackendOptions {
  /** `nats://host:port[,…]`, given to the services as `NATS_URL`. */
  url: string;
  /** Monitoring endpoint (`host:8222`) KEDA reads consumer lag from; required for ScaledObjects. */
  monitoringEndpoint?: string;
}

/** An OTLP/HTTP trace receiver (a collector): every service exports its spans there. */
export interface OtlpOptions extends BackendOptions {
  /** Base URL, given as `OTEL_EXPORTER_OTLP_ENDPOINT` (traces go to `<url>/v1/traces`). */
  endpoint: string;
}

/** Where the ExternalSecrets read from (external-secrets.io). */
export interface SecretStoreOptions {
  /** Name of the (Cluster)SecretStore; `opsloop` by default. */
  name?: string;
  /** `ClusterSecretStore` by default. */
  kind?: 'SecretStore' | 'ClusterSecretStore';
  /** Prefix of every remote key (`<prefix><secret>`); `<namespace>/` by default. */
  remoteKeyPrefix?: string;
  /** How often the operator re-reads the store; `1h` by default. */
  refreshInterval?: string;
}

/** A consumer group a service runs on a stream of the bus (the spec does not declare them yet). */
export interface EventConsumer {
  stream: string;
  group: string;
}

/** Options of {@link renderKubernetes}. */
export interface RenderOptions {
  /** Image tag of every service (a release version or a commit); `latest` is refused. */
  imageTag: string;
  /** Registry and path the images live under: `<imageRegistry>/<service>:<imageTag>`. */
  imageRegistry: string;
  /** Namespace of every object; the system's `metadata.name` by default. */
  namespace?: string;
  /**
   * Environment of the spec's `environments:` to render (`dev`, `prod-eu-west-1`): its namespace, image tag,
   * replicas, resources, labels (`opsloop.dev/environment`, `opsloop.dev/region`, its own) and an Ingress at
   * its host. Its namespace and image tag win over {@link RenderOptions.namespace} and `imageTag`.
   */
  env?: string;
  /** `ingressClassName` of an environment's Ingress; `nginx` by default. */
  ingressClassName?: string;
  /** The image's WORKDIR (the repository root inside the image); `/app` by default. */
  workDir?: string;
  /** NATS JetStream; without it services that use the bus get no `NATS_URL`. */
  nats?: NatsOptions;
  /** PostgreSQL; with it services that keep data get `DATABASE_URL` from an ExternalSecret. */
  postgres?: BackendOptions;
  /** Trace export; without it services export no spans (the kit's default). */
  otlp?: OtlpOptions;
  /**
   * Which services use the bus and the database. By default a service that sets `DATA_DIR` in its env
   * (it keeps data) uses both: the spec does not say more.
   */
  backends?: Readonly<Record<string, { bus?: boolean; database?: boolean }>>;
  /** Bus consumers per service, for KEDA ScaledObjects (see `SHOP_EVENT_CONSUMERS`). */
  eventConsumers?: Readonly<Record<string, readonly EventConsumer[]>>;
  /** Partitions of every stream (the bus's PARTITION_COUNT); 8 by default. */
  streamPartitions?: number;
  /** KEDA's lag threshold (pending messages per replica); 100 by default. */
  consumerLagThreshold?: number;
  /** Who may reach an exposed service (`expose:`); the `ingress-nginx` namespace by default. */
  ingressPeers?: NetworkPeer[];
  /** Who scrapes `/metrics`; the `monitoring` namespace by default. */
  monitoringPeers?: NetworkPeer[];
  /** Cluster DNS; kube-system's `k8s-app: kube-dns` pods by default. */
  dnsPeers?: NetworkPeer[];
  /** Prometheus HTTP API the AnalysisTemplates query. */
  prometheusUrl?: string;
  /** Label Prometheus puts the pod's `rollouts-pod-template-hash` under (a labelmap relabel). */
  revisionLabel?: string;
  /** Secret store of the ExternalSecrets. */
  secretStore?: SecretStoreOptions;
  /** Cluster DNS domain; `cluster.local` by default. */
  clusterDomain?: string;
  /** `appProtocol` of the Service port; unset by default (HTTP/1.1 and h2c gRPC share the port). */
  appProtocol?: string;
  /** Headroom of the ResourceQuota over the workloads' sum (0.5 = 50 %); 0.5 by default. */
  quotaHeadroom?: number;
}

/** {@link RenderOptions} with every default filled in. */
export interface ResolvedOptions {
  imageTag: string;
  imageRegistry: string;
  namespace: string;
  env: string | undefined;
  /** The environment's region (`opsloop.dev/region` label). */
  region: string | undefined;
  /** The environment's own labels, on every object and pod. */
  extraLabels: Readonly<Record<string, string>>;
  /** The environment's public host: an Ingress for the exposed service. */
  host: string | undefined;
  ingressClassName: string;
  workDir: string;
  nats: (NatsOptions & { port: number }) | undefined;
  postgres: (BackendOptions & { port: number }) | undefined;
  otlp: (OtlpOptions & { port: number }) | undefined;
  backends: Readonly<Record<string, { bus?: boolean; database?: boolean }>>;
  eventConsumers: Readonly<Record<string, readonly EventConsumer[]>>;
  streamPartitions: number;
  consumerLagThreshold: number;
  ingressPeers: NetworkPeer[];
  monitoringPeers: NetworkPeer[];
  dnsPeers: NetworkPeer[];
  prometheusUrl: string;
  revisionLabel: string;
  secretStore: Required<SecretStoreOptions>;
  clusterDomain: string;
  appProtocol: string | undefined;
  quotaHeadroom: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Docker's tag grammar: word characters, dots and dashes, at most 128, not starting with . or -.
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

const namespaceSelector = (name: string): LabelSelector => ({
  matchLabels: { 'kubernetes.io/metadata.name': name },
});

/** Fills in defaults and refuses unusable options with a {@link RenderError} naming the option. */
export function resolveOptions(options: RenderOptions, systemName: string): ResolvedOptions {
  const { imageTag } = options;
  const imageRegistry =
    typeof options.imageRegistry === 'string' ? options.imageRegistry.replace(/\/$/, '') : '';
  if (typeof imageTag !== 'string' || imageTag === '')
    throw new RenderError('imageTag: required (a release version or commit, never "latest")');
  if (imageTag.toLowerCase() === 'latest')
    throw new RenderError(
      'imageTag: "latest" is refused: pin a version or commit so a rollout is repeatable',
    );
  if (!IMAGE_TAG.test(imageTag)) throw new RenderError(`imageTag: "${imageTag}" is not a valid image tag`);
  if (!REGISTRY.test(imageRegistry))
    throw new RenderError(
      `imageRegistry: expected a registry path such as ghcr.io/opsloop (got "${String(options.imageRegistry)}")`,
    );
  const namespace = options.namespace ?? systemName;
  if (!DNS_LABEL.test(namespace) || namespace.length > 63)
    throw new RenderError(`namespace: "${namespace}" is not a DNS label`);
  if (options.env !== undefined && (!DNS_LABEL.test(options.env) || options.env.length > 63))
    throw new RenderError(`env: "${options.env}" is not a DNS label`);
  if (options.ingressClassName !== undefined && !DNS_LABEL.test(options.ingressClassName))
    throw new RenderError(`ingressClassName: "${options.ingressClassName}" is not a DNS label`);
  const workDir = options.workDir ?? '/app';
  if (!workDir.startsWith('/'))
    throw new RenderError(`workDir: expected an absolute path (got "${workDir}")`);
  if (
    options.nats !== undefined &&
    !/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/.test(options.nats.url)
  )
    throw new RenderError(`nats.url: expected nats://host:port[,…] (got "${options.nats.url}")`);
  if (options.otlp !== undefined && !/^https?:\/\/[^\s]+$/.test(options.otlp.endpoint))
    throw new RenderError(`otlp.endpoint: expected an http(s) URL (got "${options.otlp.endpoint}")`);
  const partitions = options.streamPartitions ?? 8;
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RenderError('streamPartitions: expected an integer ≥ 1');
  const lag = options.consumerLagThreshold ?? 100;
  if (!Number.isInteger(lag) || lag < 1)
    throw new RenderError('consumerLagThreshold: expected an integer ≥ 1');
  const headroom = options.quotaHeadroom ?? 0.5;
  if (!(headroom >= 0 && headroom <= 10))
    throw new RenderError('quotaHeadroom: expected a fraction from 0 to 10');
  return {
    imageTag,
    imageRegistry,
    namespace,
    env: options.env,
    region: undefined,
    extraLabels: {},
    host: undefined,
    ingressClassName: options.ingressClassName ?? 'nginx',
    workDir: workDir.replace(/\/$/, '') || '/',
    nats: options.nats === undefined ? undefined : { ...options.nats, port: options.nats.port ?? 4222 },
    postgres:
      options.postgres === undefined
        ? undefined
        : { ...options.postgres, port: options.postgres.port ?? 5432 },
    otlp: options.otlp === undefined ? undefined : { ...options.otlp, port: options.otlp.port ?? 4318 },
    backends: options.backends ?? {},
    eventConsumers: options.eventConsumers ?? {},
    streamPartitions: partitions,
    consumerLagThreshold: lag,
    ingressPeers: options.ingressPeers ?? [{ namespaceSelector: namespaceSelector('ingress-nginx') }],
    monitoringPeers: options.monitoringPeers ?? [{ namespaceSelector: namespaceSelector('monitoring') }],
    dnsPeers: options.dnsPeers ?? [
      {
        namespaceSelector: namespaceSelector('kube-system'),
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ],
    prometheusUrl: options.prometheusUrl ?? 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    revisionLabel: options.revisionLabel ?? 'rollouts_pod_template_hash',
    secretStore: {
      name: options.secretStore?.name ?? 'opsloop',
      kind: options.secretStore?.kind ?? 'ClusterSecretStore',
      remoteKeyPrefix: options.secretStore?.remoteKeyPrefix ?? `${namespace}/`,
      refreshInterval: options.secretStore?.refreshInterval ?? '1h',
    },
    clusterDomain: options.clusterDomain ?? 'cluster.local',
    appProtocol: options.appProtocol,
    quotaHeadroom: headroom,
  };
}

/** Registry `opsloop render` uses when none is given. */
export const DEFAULT_IMAGE_REGISTRY = 'ghcr.io/opsloop';
/** Image tag `opsloop render` uses when none is given (and no environment pins one): the release. */
export const DEFAULT_IMAGE_TAG = '0.1.0';
